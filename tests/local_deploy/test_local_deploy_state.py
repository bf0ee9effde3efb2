"""The deploy state: what a re-run creates, leaves, updates, replaces and deletes."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pulumi
import pytest
from pcizone.local.aws_access import AwsAccess
from pcizone.local.deploy.deployer import DeployError, DeployTarget, deploy_program
from pcizone.local.deploy.mocks import describe_cause
from pcizone.local.deploy.normalize import (
    EMULATOR_TOKEN,
    changed_keys,
    detokenize,
    normalize,
    tokenize,
)
from pcizone.local.deploy.services import LocalServices
from pcizone.local.deploy.state import Placement, ResourceState, StackState, deletion_order
from pcizone.offline.model import Secret

from .conftest import PROGRAMS, REGION

URL = "http://127.0.0.1:5123"


def _target(aws: AwsAccess) -> DeployTarget:
    return DeployTarget(
        repo_root=PROGRAMS,
        aws=aws,
        services=LocalServices(),
        generation="g1",
        previous_generation="g1",
        hash_key=b"k",
    )


def _deploy(aws: AwsAccess, program: str, path: Path, **config: str):  # type: ignore[no-untyped-def]
    return deploy_program(
        PROGRAMS / program / "__main__.py",
        f"state-{program}",
        _target(aws),
        state_path=path,
        region=REGION,
        config={f"pcizone:{k}": v for k, v in config.items()},
    )


def test_secrets_are_keyed_hashes_and_numbers_and_urls_are_stable() -> None:
    value = {"a": Secret("hunter2"), "n": 10.0, "url": f"{URL}/123/q", "f": 0.5}
    first = normalize(value, key=b"k1", emulator_url=URL, base=PROGRAMS)
    assert "hunter2" not in json.dumps(first)
    assert first["n"] == 10 and isinstance(first["n"], int) and first["f"] == 0.5
    assert first["url"] == f"{EMULATOR_TOKEN}/123/q"
    assert normalize(value, key=b"k1", emulator_url=URL, base=PROGRAMS) == first
    assert normalize(value, key=b"k2", emulator_url=URL, base=PROGRAMS)["a"] != first["a"]
    changed = normalize(
        {**value, "a": Secret("hunter3")}, key=b"k1", emulator_url=URL, base=PROGRAMS
    )
    assert changed_keys(first, changed) == {"a"}
    assert detokenize(tokenize({"u": [f"{URL}/x"]}, URL), "http://127.0.0.1:9") == {
        "u": ["http://127.0.0.1:9/x"]
    }


def test_archives_are_identified_by_content(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "h.py").write_text("x = 1\n")
    archive = pulumi.FileArchive("code")
    first = normalize(archive, key=b"k", emulator_url=URL, base=tmp_path)
    assert first == normalize(archive, key=b"k", emulator_url=URL, base=tmp_path)
    (tmp_path / "code" / "h.py").write_text("x = 2\n")
    assert normalize(archive, key=b"k", emulator_url=URL, base=tmp_path) != first
    missing = normalize(pulumi.FileArchive("nope.zip"), key=b"k", emulator_url=URL, base=tmp_path)
    assert missing == {"archive": f"missing:{tmp_path / 'nope.zip'}"}


def test_state_file_round_trips_is_private_and_belongs_to_one_generation(tmp_path: Path) -> None:
    entry = ResourceState(
        "urn:a",
        "aws:sqs/queue:Queue",
        "id-a",
        Placement("111111111111", REGION),
        {"x": 1},
        {"arn": "a"},
    )
    state = StackState("s", "g1", {"urn:a": entry}, {"out": "[secret]"})
    path = tmp_path / "s.json"
    state.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert StackState.load(path, "s", "g1") == state
    assert StackState.load(path, "s", "g2").resources == {}
    assert StackState.load(path, "s", None).resources == {}
    assert StackState.load(path, "s", "g2", "g1") == state  # this run's own, or the last one's


def test_deletion_runs_dependents_first() -> None:
    def entry(urn: str, *deps: str) -> ResourceState:
        return ResourceState(urn, "t", urn, Placement("1", REGION), {}, {}, deps)

    ordered = deletion_order(
        [entry("key"), entry("queue", "key"), entry("mapping", "queue", "fn"), entry("fn")]
    )
    names = [e.urn for e in ordered]
    assert names.index("mapping") < names.index("queue") < names.index("key")
    assert names.index("mapping") < names.index("fn")


def test_rerun_is_a_no_op_then_changes_update_create_and_delete(
    aws: AwsAccess, tmp_path: Path
) -> None:
    path = tmp_path / "stack.json"
    first = _deploy(aws, "payments_like", path, extra="yes")
    assert len(first.resources) == 15
    assert first.counts()["create"] == 15 and first.counts()["delete"] == 0
    saved = path.read_text()
    assert "tok-s3cr3t-value" not in saved  # the function's secret env var is hashed
    # The emulator's port may change between runs: stored URLs carry a token instead.
    entries = {e["urn"].rsplit("::", 1)[1]: e for e in json.loads(saved)["resources"]}
    assert entries["queue"]["id"].startswith(EMULATOR_TOKEN)
    assert entries["queue"]["outputs"]["url"].startswith(EMULATOR_TOKEN)

    again = _deploy(aws, "payments_like", path, extra="yes")
    assert again.counts()["same"] == 15 and not again.changed

    sqs = aws.client("sqs")
    queue_url = first.run.outputs["queueUrl"]
    changed = _deploy(aws, "payments_like", path, visibility="90")
    actions = {(r.name, r.type.rsplit(":", 1)[1]): r.action.value for r in changed.resources}
    assert actions[("queue", "Queue")] == "update"
    assert sum(a != "same" for a in actions.values()) == 1
    assert [d.urn.rsplit("::", 1)[1] for d in changed.deleted] == ["extra"]
    assert (
        sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])[
            "Attributes"
        ]["VisibilityTimeout"]
        == "90"
    )
    remaining = {u.rsplit("/", 1)[1] for u in sqs.list_queues()["QueueUrls"]}
    assert not any(name.startswith("extra-") for name in remaining)
    assert changed.run.outputs["queueUrl"] == queue_url


def test_failed_deploy_names_the_resource_and_keeps_partial_state(
    aws: AwsAccess, tmp_path: Path
) -> None:
    path = tmp_path / "broken.json"
    with pytest.raises(DeployError) as raised:
        _deploy(aws, "broken", path)
    message = str(raised.value)
    assert raised.value.exit_code == 1
    assert "aws:iam/rolePolicyAttachment:RolePolicyAttachment 'attach'" in message
    assert "NoSuchEntity" in message and "no-such-role" in message
    assert "never-print-me" not in message
    saved = json.loads(path.read_text())
    names = {entry["urn"].rsplit("::", 1)[1] for entry in saved["resources"]}
    assert {"good", "token"} <= names
    assert "attach" not in names and "after-attach" not in names
    assert "never-print-me" not in path.read_text()
    queues = aws.client("sqs").list_queues()["QueueUrls"]
    assert not any("after-attach" in url for url in queues)


def test_unknown_resource_type_fails_the_deploy(aws: AwsAccess, tmp_path: Path) -> None:
    with pytest.raises(DeployError, match="aws:ssm/parameter:Parameter has no local handler"):
        _deploy(aws, "unsupported", tmp_path / "unsupported.json")


def test_error_causes_never_carry_secret_values() -> None:
    class Boom(Exception):
        pass

    text = describe_cause(Boom("bad value 'p4ssw0rd-xyz' for SecretString"), ["p4ssw0rd-xyz"])
    assert text == "Boom: bad value '[secret]' for SecretString"
