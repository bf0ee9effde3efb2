"""KMS keys: rotation, a deletion window long enough to notice a mistake, no human decrypt."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pcizone.core.naming import TAG_PRINCIPAL_TYPE, DataClass, PrincipalType
from pcizone.policy import aws_types as t
from pcizone.policy import documents, values
from pcizone.policy.checks import flags_true, policy_documents, statement_found
from pcizone.policy.spec import (
    Level,
    NotApplicable,
    Severity,
    resource_policy,
    stack_policy,
)
from pcizone.policy.views import Context, Resource, Stack

MIN_DELETION_WINDOW_DAYS = 30
MAX_ROTATION_PERIOD_DAYS = 365
HUMAN_TAG_CONDITION_KEY = f"aws:PrincipalTag/{TAG_PRINCIPAL_TYPE}"


@resource_policy(
    "pci-kms-rotation",
    "Symmetric customer managed KMS keys rotate their key material at least once a year.",
    requirements=("3.6.1", "3.7.1", "3.7.4"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.KMS_KEY,),
    remediation="Set enable_key_rotation=True (and rotation_period_in_days <= 365, if set).",
)
def kms_rotation(key: Resource, _ctx: Context) -> Iterator[str]:
    spec = values.as_str(key.props.get("customerMasterKeySpec")) or "SYMMETRIC_DEFAULT"
    if spec != "SYMMETRIC_DEFAULT":
        raise NotApplicable(f"{spec} keys cannot rotate automatically")
    yield from flags_true(key, "enableKeyRotation")
    period = values.as_number(key.props.get("rotationPeriodInDays"))
    if period is not None and period > MAX_ROTATION_PERIOD_DAYS:
        yield f"rotationPeriodInDays is {values.fmt_number(period)}, above 365"


@resource_policy(
    "pci-kms-deletion-window",
    "KMS keys wait at least 30 days before deletion, so a mistaken deletion can be cancelled.",
    requirements=("3.6.1", "3.7.1"),
    severity=Severity.MEDIUM,
    enforcement=Level.MANDATORY,
    types=(t.KMS_KEY, t.KMS_REPLICA_KEY),
    remediation="Set deletion_window_in_days=30.",
)
def kms_deletion_window(key: Resource, _ctx: Context) -> Iterator[str]:
    window = values.as_number(key.props.get("deletionWindowInDays"))
    if window is None:
        yield "deletionWindowInDays is not set (the provider default is not evidence)"
    elif window < MIN_DELETION_WINDOW_DAYS:
        yield f"deletionWindowInDays is {values.fmt_number(window)}, below 30"


def _cardholder_keys(stack: Stack, _ctx: Context) -> Sequence[Resource]:
    keys = stack.of_type(t.KMS_KEY, t.KMS_REPLICA_KEY)
    return [k for k in keys if k.may_hold(DataClass.CARDHOLDER_DATA)]


def _denies_human_decrypt(statement: documents.Statement) -> bool:
    if not (statement.denies and statement.applies_to_everyone()):
        return False
    if not statement.covers_action("kms:Decrypt"):
        return False
    tested = statement.condition_values("String", HUMAN_TAG_CONDITION_KEY)
    return PrincipalType.HUMAN.value in [v.lower() for v in tested]


def _any_denies_human_decrypt(statements: list[documents.Statement]) -> bool:
    return any(_denies_human_decrypt(s) for s in statements)


@stack_policy(
    "pci-kms-no-human-decrypt",
    "Keys that encrypt cardholder data (or are unclassified) deny kms:Decrypt to every "
    "principal tagged as a human.",
    requirements=("3.5.1", "3.6.1", "7.2.1", "7.2.2", "7.2.6"),
    severity=Severity.CRITICAL,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.KMS_KEY, t.KMS_REPLICA_KEY),
    subjects=_cardholder_keys,
    remediation=(
        "Add a key policy statement: Effect Deny, Principal *, Action kms:Decrypt, Condition "
        f'StringEquals {{"{HUMAN_TAG_CONDITION_KEY}": "human"}}.'
    ),
)
def kms_no_human_decrypt(key: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    policies = policy_documents(key, stack, t.KMS_KEY_POLICY, "keyId", "keyId")
    if not policies:
        yield "the key has no key policy, so any IAM principal of the account may be allowed to decrypt"
    elif not (yield from statement_found(policies, _any_denies_human_decrypt)):
        humans = [r.name for r in stack.of_type(t.IAM_ROLE) if r.is_human_principal]
        named = f" (human roles in this stack: {', '.join(sorted(humans))})" if humans else ""
        yield f"no key policy statement denies kms:Decrypt to principals tagged human{named}"
