"""Every malformed config gives exactly the expected one-line messages (file: key path: what)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pcizone.config import ConfigError, load_stack_config
from pcizone.errors import UserError

DEV_ALICE_OK = """\
config:
  aws:region: eu-west-1
  pcizone:owner: alice@example.com
  pcizone:costCentre: cc-payments
"""

PROD_BASE = (Path(__file__).resolve().parents[2] / "stacks" / "Pulumi.prod.yaml").read_text()
ORG_BASE = (Path(__file__).resolve().parents[2] / "stacks" / "Pulumi.org.yaml").read_text()


def _dev(extra: str) -> str:
    return DEV_ALICE_OK + extra


CASES: list[tuple[str, str, str, list[str]]] = [
    # (id, stack, file text, exact messages)
    (
        "wrong type for an integer",
        "dev-alice",
        _dev("  pcizone:payments:\n    queue: {maxReceiveCount: many}\n"),
        [
            "stacks/Pulumi.dev-alice.yaml: pcizone:payments.queue.maxReceiveCount:"
            " must be a whole number, got 'many'"
        ],
    ),
    (
        "unknown nested key with a suggestion",
        "dev-alice",
        _dev("  pcizone:payments:\n    queue: {maxRecieveCount: 3}\n"),
        [
            "stacks/Pulumi.dev-alice.yaml: pcizone:payments.queue.maxRecieveCount:"
            " unknown key (did you mean maxReceiveCount?)"
        ],
    ),
    (
        "unknown top-level config key",
        "dev-alice",
        _dev("  pcizone:paymnets: {}\n"),
        [
            "stacks/Pulumi.dev-alice.yaml: pcizone:paymnets: unknown key (did you mean pcizone:payments?)"
        ],
    ),
    (
        "missing required key",
        "dev-alice",
        "config:\n  aws:region: eu-west-1\n  pcizone:costCentre: cc-payments\n",
        ["stacks/Pulumi.dev-alice.yaml: pcizone:owner: is required but missing"],
    ),
    (
        "bad email",
        "dev-alice",
        "config:\n  aws:region: eu-west-1\n  pcizone:owner: alice-at-example\n",
        [
            "stacks/Pulumi.dev-alice.yaml: pcizone:owner: must be an email address, got 'alice-at-example'"
        ],
    ),
    (
        "unknown region",
        "dev-alice",
        "config:\n  aws:region: eu-west-9\n  pcizone:owner: alice@example.com\n",
        [
            "stacks/Pulumi.dev-alice.yaml: aws:region: must be an AWS region such as eu-west-1, got 'eu-west-9'"
        ],
    ),
    (
        "empty file",
        "dev-alice",
        "",
        ["stacks/Pulumi.dev-alice.yaml: the file is empty; it needs a 'config:' mapping"],
    ),
    (
        "yaml syntax error",
        "dev-alice",
        "config:\n  aws:region: [eu-west-1\n",
        [
            "stacks/Pulumi.dev-alice.yaml: line 3, column 1: invalid YAML:"
            " expected ',' or ']', but got '<stream end>'"
        ],
    ),
    (
        "config is not a mapping",
        "dev-alice",
        "config: 3\n",
        ["stacks/Pulumi.dev-alice.yaml: config: must be a mapping of namespaced keys"],
    ),
    (
        "key without namespace",
        "dev-alice",
        "config:\n  region: eu-west-1\n",
        [
            "stacks/Pulumi.dev-alice.yaml: region: config keys must be namespaced, such as pcizone:region"
        ],
    ),
    (
        "unknown top-level file key",
        "dev-alice",
        DEV_ALICE_OK + "stack: dev-alice\n",
        ["stacks/Pulumi.dev-alice.yaml: stack: unknown top-level key"],
    ),
    (
        "batch size over 10 with FIFO",
        "dev-alice",
        _dev(
            "  pcizone:payments:\n    queue: {fifo: true}\n    worker: {batchSize: 20, maximumBatchingWindowSeconds: 1}\n"
        ),
        [
            "stacks/Pulumi.dev-alice.yaml: pcizone:payments.worker.batchSize: must be at most 10 for a FIFO queue, got 20"
        ],
    ),
    (
        "visibility under six times the worker timeout",
        "dev-alice",
        _dev(
            "  pcizone:payments:\n    queue: {visibilityTimeoutSeconds: 100}\n    worker: {timeoutSeconds: 30}\n"
        ),
        [
            "stacks/Pulumi.dev-alice.yaml: pcizone:payments.queue.visibilityTimeoutSeconds:"
            " must be at least 6 x worker.timeoutSeconds (180), got 100"
        ],
    ),
    (
        "maxReceiveCount under 1",
        "dev-alice",
        _dev("  pcizone:payments:\n    queue: {maxReceiveCount: 0}\n"),
        [
            "stacks/Pulumi.dev-alice.yaml: pcizone:payments.queue.maxReceiveCount: must be between 1 and 1000, got 0"
        ],
    ),
    (
        "boolean given as a word",
        "dev-alice",
        _dev("  pcizone:payments:\n    queue: {fifo: perhaps}\n"),
        [
            "stacks/Pulumi.dev-alice.yaml: pcizone:payments.queue.fifo: must be true or false, got 'perhaps'"
        ],
    ),
    (
        "literal choice",
        "dev-alice",
        _dev("  pcizone:payments:\n    processor: {kind: paypal}\n"),
        [
            "stacks/Pulumi.dev-alice.yaml: pcizone:payments.processor.kind: must be one of 'fake' or 'stripe', got 'paypal'"
        ],
    ),
    (
        "stripe without a processor key",
        "dev-alice",
        _dev("  pcizone:payments:\n    processor: {kind: stripe}\n"),
        [
            "stacks/Pulumi.dev-alice.yaml: pcizone:processorApiKey: is required when payments.processor.kind is 'stripe'"
        ],
    ),
    (
        "log retention below a year",
        "dev-alice",
        _dev("  pcizone:payments:\n    logRetentionDays: 90\n"),
        [
            "stacks/Pulumi.dev-alice.yaml: pcizone:payments.logRetentionDays: must be a CloudWatch"
            " retention of at least 365 days (one of 365, 400, 545, 731, 1096, 1827, 2192, 2557,"
            " 2922, 3288, 3653), got 90"
        ],
    ),
    (
        "prod backup retention too short",
        "prod",
        PROD_BASE.replace("backupRetentionDays: 35", "backupRetentionDays: 3"),
        [
            "stacks/Pulumi.prod.yaml: pcizone:aurora.backupRetentionDays: must be between 7 and 35, got 3"
        ],
    ),
    (
        "prod backup retention not 35",
        "prod",
        PROD_BASE.replace("backupRetentionDays: 35", "backupRetentionDays: 14"),
        ["stacks/Pulumi.prod.yaml: pcizone:aurora.backupRetentionDays: must be 35 in prod, got 14"],
    ),
    (
        "DR region equal to the primary",
        "prod",
        PROD_BASE.replace("region: eu-central-1", "region: eu-west-1"),
        ["stacks/Pulumi.prod.yaml: pcizone:dr.region: must differ from aws:region (eu-west-1)"],
    ),
    (
        "prod without deletion protection",
        "prod",
        PROD_BASE.replace("deletionProtection: true", "deletionProtection: false"),
        [
            "stacks/Pulumi.prod.yaml: pcizone:aurora.deletionProtection: must be true in prod, got false"
        ],
    ),
    (
        "bad CIDR",
        "prod",
        PROD_BASE.replace("cidr: 10.30.0.0/16", "cidr: 10.30.0.0/33"),
        [
            "stacks/Pulumi.prod.yaml: pcizone:network.cidr: must be an IPv4 CIDR block such as 10.20.0.0/16, got '10.30.0.0/33'"
        ],
    ),
    (
        "public CIDR",
        "prod",
        PROD_BASE.replace("cidr: 10.30.0.0/16", "cidr: 8.8.0.0/16"),
        [
            "stacks/Pulumi.prod.yaml: pcizone:network.cidr: must be a private (RFC 1918) range, got '8.8.0.0/16'"
        ],
    ),
    (
        "prod with two AZs",
        "prod",
        PROD_BASE.replace("azCount: 3", "azCount: 2"),
        ["stacks/Pulumi.prod.yaml: pcizone:network.azCount: must be 3 in prod, got 2"],
    ),
    (
        "org log retention under 365 days",
        "org",
        ORG_BASE.replace("retentionDays: 400", "retentionDays: 200")
        .replace("objectLockDays: 365", "objectLockDays: 100")
        .replace("deepArchiveAfterDays: 365", "deepArchiveAfterDays: 180"),
        ["stacks/Pulumi.org.yaml: pcizone:logArchive.retentionDays: must be at least 365, got 200"],
    ),
    (
        "object lock longer than retention",
        "org",
        ORG_BASE.replace("objectLockDays: 365", "objectLockDays: 500"),
        [
            "stacks/Pulumi.org.yaml: pcizone:logArchive.objectLockDays: must not exceed retentionDays (400), got 500"
        ],
    ),
    (
        "unknown region in the allow-list",
        "org",
        ORG_BASE.replace(
            "allowedRegions: [eu-west-1, eu-central-1]", "allowedRegions: [eu-west-1, mars-north-1]"
        ),
        [
            "stacks/Pulumi.org.yaml: pcizone:organization.allowedRegions[1]: must be an AWS region such as eu-west-1, got 'mars-north-1'"
        ],
    ),
    (
        "duplicate account email",
        "org",
        ORG_BASE.replace("aws+staging@example.com", "aws+dev@example.com"),
        [
            "stacks/Pulumi.org.yaml: pcizone:organization.accounts.staging.email: duplicates the email of dev: aws+dev@example.com"
        ],
    ),
    (
        "home region not allowed",
        "org",
        ORG_BASE.replace(
            "allowedRegions: [eu-west-1, eu-central-1]", "allowedRegions: [eu-central-1]"
        ),
        [
            "stacks/Pulumi.org.yaml: pcizone:organization.allowedRegions: must include the stack's own region aws:region (eu-west-1)"
        ],
    ),
    (
        "bad repository",
        "org",
        ORG_BASE.replace("repository: example-org/pcizone", "repository: pcizone"),
        ["stacks/Pulumi.org.yaml: pcizone:github.repository: must be 'owner/name', got 'pcizone'"],
    ),
    (
        "several problems at once, one line each",
        "dev-alice",
        "config:\n  aws:region: nowhere\n  pcizone:owner: nobody\n  pcizone:costCentre: x\n",
        [
            "stacks/Pulumi.dev-alice.yaml: aws:region: must be an AWS region such as eu-west-1, got 'nowhere'",
            "stacks/Pulumi.dev-alice.yaml: pcizone:owner: must be an email address, got 'nobody'",
            "stacks/Pulumi.dev-alice.yaml: pcizone:costCentre: must be 2-32 letters, digits or dashes, got 'x'",
        ],
    ),
]


@pytest.mark.parametrize(
    ("stack", "text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_config_gives_exact_messages(
    repo: Path, write_stack: Callable[[str, str], Path], stack: str, text: str, expected: list[str]
) -> None:
    write_stack(stack, text)
    with pytest.raises(ConfigError) as caught:
        load_stack_config(stack, repo)
    assert caught.value.problems == expected
    assert caught.value.exit_code == 2


def test_there_are_at_least_25_cases() -> None:
    assert len(CASES) >= 25


def test_missing_stack_file(repo: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_stack_config("dev-carol", repo)
    assert caught.value.problems == [
        "stacks/Pulumi.dev-carol.yaml: file not found"
        " (every stack needs one; copy stacks/Pulumi.dev-alice.yaml)"
    ]


@pytest.mark.parametrize("name", ["dev-Alice", "prd", "dev-", "pr-0", "dev-a", "feature-x"])
def test_bad_stack_names_list_the_allowed_patterns(repo: Path, name: str) -> None:
    with pytest.raises(UserError) as caught:
        load_stack_config(name, repo)
    message = caught.value.message
    assert message.startswith(f"unknown stack name {name!r}: allowed stack names are org; ")
    assert "dev-<name>" in message and "pr-<number>" in message


def test_secure_values_become_placeholder_secrets(repo: Path) -> None:
    _, config, raw = load_stack_config("dev-bob", repo)
    assert raw.secret_keys == frozenset({"pcizone:processorApiKey"})
    assert config.processor_api_key is not None
    assert "placeholder" in config.processor_api_key.get_secret_value()
    assert "placeholder" not in repr(config)


def test_every_real_stack_is_valid() -> None:
    from pcizone.config.loader import list_stacks

    stacks = list_stacks()
    assert stacks == ["org", "dev", "staging", "prod", "dev-alice", "dev-bob"]
    for stack in stacks:
        identity, _, _ = load_stack_config(stack)
        assert identity.name == stack
