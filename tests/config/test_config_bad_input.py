"""Hostile stack files found by adversarial testing: each gives one exact line, never a crash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pcizone.config import ConfigError, load_stack_config
from pcizone.config.loader import MAX_CONFIG_BYTES, SECRET_KEYS
from pcizone.errors import UserError

ALICE = "stacks/Pulumi.dev-alice.yaml"
DEV_ALICE_OK = """\
config:
  aws:region: eu-west-1
  pcizone:owner: alice@example.com
  pcizone:costCentre: cc-payments
"""
STAGING = (Path(__file__).resolve().parents[2] / "stacks" / "Pulumi.staging.yaml").read_text()
ORG = (Path(__file__).resolve().parents[2] / "stacks" / "Pulumi.org.yaml").read_text()


def _problems(repo: Path, stack: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_stack_config(stack, repo)
    assert caught.value.exit_code == 2
    return caught.value.problems


def test_plaintext_processor_key_is_refused_and_not_echoed(
    repo: Path, write_stack: Callable[[str, str], Path]
) -> None:
    write_stack(
        "dev-alice",
        DEV_ALICE_OK + "  pcizone:payments: {processor: {kind: stripe}}\n"
        "  pcizone:processorApiKey: sk_live_abcdef123456\n",
    )
    problems = _problems(repo, "dev-alice")
    assert problems == [
        f"{ALICE}: pcizone:processorApiKey: must be a secret, got a plaintext value; remove it"
        " and run `pulumi config set --secret pcizone:processorApiKey --stack dev-alice`"
    ]
    assert "sk_live" not in problems[0]


def test_the_secret_keys_come_from_the_models() -> None:
    assert frozenset({"pcizone:processorApiKey"}) == SECRET_KEYS


@pytest.mark.parametrize("ciphertext", ["", "123", "null", "[]"])
def test_secure_without_a_ciphertext_is_refused(
    repo: Path, write_stack: Callable[[str, str], Path], ciphertext: str
) -> None:
    text = DEV_ALICE_OK + f"  pcizone:processorApiKey: {{secure: {ciphertext}}}\n"
    write_stack("dev-alice", text)
    assert _problems(repo, "dev-alice") == [
        f"{ALICE}: pcizone:processorApiKey.secure: must be the ciphertext that"
        " `pulumi config set --secret pcizone:processorApiKey` writes"
    ]


def test_duplicate_key_is_an_error_not_last_one_wins(
    repo: Path, write_stack: Callable[[str, str], Path]
) -> None:
    write_stack("dev-alice", DEV_ALICE_OK + "  aws:region: us-east-1\n")
    assert _problems(repo, "dev-alice") == [
        f"{ALICE}: line 5, column 3: invalid YAML: duplicate key 'aws:region'"
    ]


def test_duplicate_nested_key(repo: Path, write_stack: Callable[[str, str], Path]) -> None:
    write_stack(
        "dev-alice",
        DEV_ALICE_OK + "  pcizone:payments:\n    queue: {maxReceiveCount: 3, maxReceiveCount: 4}\n",
    )
    assert _problems(repo, "dev-alice") == [
        f"{ALICE}: line 6, column 33: invalid YAML: duplicate key 'maxReceiveCount'"
    ]


def test_merge_keys_may_be_overridden(repo: Path, write_stack: Callable[[str, str], Path]) -> None:
    write_stack(
        "dev-alice",
        DEV_ALICE_OK + "  pcizone:payments:\n    queue: &q {maxReceiveCount: 3}\n"
        "    worker: {timeoutSeconds: 10}\n"
        "  pcizone:dr: {<<: {rtoSeconds: 60}, rtoSeconds: 90}\n",
    )
    _, config, _ = load_stack_config("dev-alice", repo)
    assert config.dr.rto_seconds == 90


def test_non_utf8_bytes_name_the_line(repo: Path) -> None:
    path = repo / "stacks" / "Pulumi.dev-alice.yaml"
    path.write_bytes(b"config:\n  aws:region: eu-west-1\n  pcizone:owner: al\xffice@example.com\n")
    assert _problems(repo, "dev-alice") == [
        f"{ALICE}: line 3: not UTF-8 text (byte 0xff); save it as UTF-8"
    ]


def test_utf16_file(repo: Path) -> None:
    path = repo / "stacks" / "Pulumi.dev-alice.yaml"
    path.write_bytes(DEV_ALICE_OK.encode("utf-16"))
    assert _problems(repo, "dev-alice") == [
        f"{ALICE}: line 1: not UTF-8 text (byte 0xff); save it as UTF-8"
    ]


def test_directory_instead_of_a_file(repo: Path) -> None:
    (repo / "stacks" / "Pulumi.dev-carol.yaml").mkdir()
    assert _problems(repo, "dev-carol") == [
        "stacks/Pulumi.dev-carol.yaml: is a directory, not a stack file"
    ]


def test_huge_file_is_refused_before_parsing(repo: Path) -> None:
    path = repo / "stacks" / "Pulumi.dev-alice.yaml"
    path.write_text(DEV_ALICE_OK + "# " + "x" * MAX_CONFIG_BYTES + "\n")
    size = path.stat().st_size
    assert _problems(repo, "dev-alice") == [
        f"{ALICE}: is {size:,} bytes; config files are at most {MAX_CONFIG_BYTES:,}"
    ]


def test_broken_pulumi_yaml_names_it(repo: Path) -> None:
    (repo / "Pulumi.yaml").write_bytes(b"name: pcizone\ndescription: caf\xe9\n")
    assert _problems(repo, "dev-alice") == [
        "Pulumi.yaml: line 2: not UTF-8 text (byte 0xe9); save it as UTF-8"
    ]


@pytest.mark.parametrize(
    "name", ["dev-alice\n", "pr-12\n", "dev-alice\r", "dev-alice/../prod", "../x", "pr-abc"]
)
def test_stack_names_must_match_entirely(repo: Path, name: str) -> None:
    with pytest.raises(UserError) as caught:
        load_stack_config(name, repo)
    assert caught.value.message.startswith(f"unknown stack name {name!r}: allowed stack names")


@pytest.mark.parametrize(
    "cidr", ["127.0.0.0/16", "169.254.0.0/16", "0.0.0.0/16", "240.0.0.0/16", "198.18.0.0/16"]
)
def test_vpc_cidr_must_be_rfc1918(
    repo: Path, write_stack: Callable[[str, str], Path], cidr: str
) -> None:
    write_stack("staging", STAGING.replace("cidr: 10.20.0.0/16", f"cidr: {cidr}"))
    assert _problems(repo, "staging") == [
        "stacks/Pulumi.staging.yaml: pcizone:network.cidr: must be a private (RFC 1918) range,"
        f" got {cidr!r}"
    ]


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "172.31.0.0/16", "192.168.0.0/22"])
def test_rfc1918_cidrs_pass(repo: Path, write_stack: Callable[[str, str], Path], cidr: str) -> None:
    write_stack("staging", STAGING.replace("cidr: 10.20.0.0/16", f"cidr: {cidr}"))
    _, config, _ = load_stack_config("staging", repo)
    assert config.network.cidr == cidr  # type: ignore[union-attr]


def test_trailing_newline_in_a_tag_value(
    repo: Path, write_stack: Callable[[str, str], Path]
) -> None:
    write_stack("dev-alice", DEV_ALICE_OK.replace("cc-payments", '"cc-payments\\n"'))
    assert _problems(repo, "dev-alice") == [
        f"{ALICE}: pcizone:costCentre: must be 2-32 letters, digits or dashes, got 'cc-payments\\n'"
    ]


def test_trailing_newline_in_the_deploy_branch(
    repo: Path, write_stack: Callable[[str, str], Path]
) -> None:
    assert "deployBranch: main" in ORG
    write_stack("org", ORG.replace("deployBranch: main", 'deployBranch: "main\\n"'))
    assert _problems(repo, "org") == [
        "stacks/Pulumi.org.yaml: pcizone:github.deployBranch: must be one branch name"
        " (letters, digits, ._/-), got 'main\\n'"
    ]


def test_a_developer_stack_in_another_region_than_dev_is_bad_input(
    repo: Path, write_stack: Callable[[str, str], Path]
) -> None:
    write_stack("dev-alice", DEV_ALICE_OK.replace("eu-west-1", "us-east-1"))
    assert _problems(repo, "dev-alice") == [
        f"{ALICE}: aws:region: must be the dev stack's region eu-west-1"
        " (the service runs in its VPC), got us-east-1"
    ]
