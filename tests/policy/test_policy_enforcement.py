"""Enforcement levels per stack profile, overrides, locked policies, and the CLI pack configs."""

from __future__ import annotations

import json

import pytest
from pcizone.errors import UserError
from pcizone.policy import aws_types as t
from pcizone.policy.enforcement import (
    PROFILES,
    apply_overrides,
    default_levels,
    profile_for,
    read_overrides,
)
from pcizone.policy.evaluate import evaluate_run
from pcizone.policy.pack_config import main as pack_config_main
from pcizone.policy.pack_config import pack_config, stale_files
from pcizone.policy.registry import all_policies, by_id
from pcizone.policy.spec import Level

# Encryption, TLS and no card data in logs: mandatory in every stack, developer ones included.
MUST_BE_LOCKED = {
    "pci-s3-sse-kms",
    "pci-s3-tls-only",
    "pci-sqs-sse-kms-cmk",
    "pci-sqs-tls-only",
    "pci-aurora-storage-cmk",
    "pci-aurora-force-ssl",
    "pci-rds-proxy-tls",
    "pci-lambda-env-kms",
    "pci-logs-kms",
    "pci-kms-rotation",
    "pci-firehose-sse",
    "pci-firehose-destination-kms",
    "pci-secret-cmk",
    "pci-apigw-no-data-trace",
    "pci-kms-no-human-decrypt",
}


def test_profiles_come_from_kind_and_stage():
    assert [
        profile_for("org", "org"),
        profile_for("stage", "prod"),
        profile_for("developer", "dev"),
    ] == [
        "org",
        "prod",
        "developer",
    ]
    with pytest.raises(UserError, match="unknown stage 'qa'"):
        profile_for("stage", "qa")


def test_stage_profiles_use_defaults_and_developer_relaxes_all_but_locked():
    locked = {p.id for p in all_policies() if p.locked}
    assert locked >= MUST_BE_LOCKED
    for profile in ("org", "dev", "staging", "prod"):
        assert default_levels(profile) == {p.id: p.enforcement for p in all_policies()}
    developer = default_levels("developer")
    for policy in all_policies():
        expected = Level.MANDATORY if policy.locked else Level.ADVISORY
        if policy.enforcement is Level.ADVISORY:
            expected = Level.ADVISORY
        assert developer[policy.id] is expected, policy.id
    assert sum(level is Level.MANDATORY for level in default_levels("prod").values()) >= 40


def test_overrides_lower_and_disable_unlocked_policies():
    levels = apply_overrides(
        default_levels("prod"),
        {"pci-lambda-vpc": "advisory", "pci-apigw-throttling": {"enforcementLevel": "disabled"}},
        "test",
    )
    assert levels["pci-lambda-vpc"] is Level.ADVISORY
    assert levels["pci-apigw-throttling"] is Level.DISABLED


def test_all_lowers_every_unlocked_policy_and_leaves_locked_ones():
    levels = apply_overrides(default_levels("prod"), {"all": "advisory"}, "test")
    for policy in all_policies():
        assert levels[policy.id] is (Level.MANDATORY if policy.locked else Level.ADVISORY)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pci-s3-tls-only": "advisory"}, "test: pci-s3-tls-only is locked to mandatory"),
        ({"pci-nope": "advisory"}, "test: unknown policy id 'pci-nope'"),
        ({"pci-lambda-vpc": "loud"}, "test: pci-lambda-vpc: enforcement level must be one of"),
    ],
)
def test_bad_overrides_are_one_clear_error(overrides, message):  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match=message):
        apply_overrides(default_levels("prod"), overrides, "test")


def test_evaluate_applies_overrides(make_run, spec):
    run = make_run("prod", [spec(t.LAMBDA_FUNCTION, "fn", {"runtime": "python3.12"})])
    strict = evaluate_run(run)
    relaxed = evaluate_run(
        run, enforcement={"pci-lambda-vpc": "advisory", "pci-lambda-runtime": "disabled"}
    )
    assert [r.enforcement for r in strict.for_policy("pci-lambda-vpc")] == [Level.MANDATORY]
    assert [r.enforcement for r in relaxed.for_policy("pci-lambda-vpc")] == [Level.ADVISORY]
    assert relaxed.for_policy("pci-lambda-runtime") == []
    assert relaxed.levels["pci-lambda-runtime"] is Level.DISABLED
    assert "pci-lambda-vpc" in {r.policy for r in strict.mandatory_failures}
    assert "pci-lambda-vpc" not in {r.policy for r in relaxed.mandatory_failures}


def test_read_overrides_errors_name_the_file(tmp_path):  # type: ignore[no-untyped-def]
    missing = tmp_path / "none.json"
    with pytest.raises(UserError, match=f"policy config file {missing} does not exist"):
        read_overrides(missing)
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "pci-lambda-vpc": advisory\n}\n', encoding="utf-8")
    with pytest.raises(UserError, match=f"{broken}:2: not valid JSON"):
        read_overrides(broken)
    listed = tmp_path / "list.json"
    listed.write_text("[]", encoding="utf-8")
    with pytest.raises(UserError, match="expected a JSON object"):
        read_overrides(listed)
    with pytest.raises(UserError, match=f"policy config {tmp_path} is a directory"):
        read_overrides(tmp_path)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b'{"pci-lambda-vpc": "\xff"}')
    with pytest.raises(UserError, match=f"{binary}: not UTF-8 text \\(byte 0xff\\)"):
        read_overrides(binary)


def test_committed_pack_configs_are_current(repo_root):  # type: ignore[no-untyped-def]
    assert stale_files(repo_root) == []
    for profile in PROFILES:
        data = json.loads(
            (repo_root / "platform/policypack/config" / f"{profile}.json").read_text()
        )
        assert set(data) == set(by_id())
        assert {v["enforcementLevel"] for v in data.values()} <= {"mandatory", "advisory"}


def test_pack_config_carries_stage_and_kind():
    config = pack_config("developer", "dev")
    assert config["pci-s3-tls-only"] == {
        "enforcementLevel": "mandatory",
        "stage": "dev",
        "stackKind": "developer",
    }
    assert config["pci-lambda-vpc"]["enforcementLevel"] == "advisory"


def test_pack_config_for_a_stack_on_stdout(capsys):  # type: ignore[no-untyped-def]
    assert pack_config_main(["--stack", "pr-12"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["pci-aurora-backup-retention"]["stackKind"] == "developer"
    assert pack_config_main(["--stack", "Prod"]) == 2
    assert "unknown stack name 'Prod'" in capsys.readouterr().err
