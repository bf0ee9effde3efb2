"""IAM: least privilege in identity policies (no `*` action, no kms:Decrypt on every key)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pcizone.policy import aws_types as t
from pcizone.policy import documents, values
from pcizone.policy.spec import Level, Severity, resource_policy
from pcizone.policy.views import Context, Resource

IDENTITY_POLICY_TYPES = (
    t.IAM_POLICY,
    t.IAM_ROLE_POLICY,
    t.IAM_USER_POLICY,
    t.IAM_GROUP_POLICY,
    t.IAM_ROLE,
)
ATTACHMENT_TYPES = (
    t.IAM_ROLE_POLICY_ATTACHMENT,
    t.IAM_USER_POLICY_ATTACHMENT,
    t.IAM_GROUP_POLICY_ATTACHMENT,
    t.IAM_POLICY_ATTACHMENT,
    t.IAM_ROLE,
)
# AWS managed policies that grant `*` (or all of IAM) and so defeat least privilege.
BROAD_MANAGED_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")


def _documents(resource: Resource) -> list[tuple[str, object]]:
    """(where, document) for every identity policy document the resource declares."""
    if resource.type == t.IAM_ROLE:
        found: list[tuple[str, object]] = []
        for inline in values.as_list(resource.props.get("inlinePolicies")):
            name = values.as_str(values.get(inline, "name")) or "?"
            found.append((f"inline policy {name}", values.get(inline, "policy")))
        return found
    return [("policy", resource.props.get("policy"))]


def _statements(resource: Resource) -> Iterator[tuple[str, documents.Statement]]:
    for where, document in _documents(resource):
        if document is None:
            if resource.type != t.IAM_ROLE:
                raise values.DocumentError(f"{where} is not set")
            continue
        for number, statement in enumerate(documents.parse_statements(document, where), 1):
            yield f"{where} statement {number}", statement


def _judge_statements(
    resource: Resource, judge: Callable[[str, documents.Statement], Iterator[str]]
) -> Iterator[str]:
    """`judge`'s messages for each statement; a document that does not parse ends the check."""
    try:
        for where, statement in _statements(resource):
            yield from judge(where, statement)
    except values.DocumentError as exc:
        yield str(exc)


@resource_policy(
    "pci-iam-no-wildcard-action",
    "Identity policies never allow the `*` action or use Allow with NotAction.",
    requirements=("7.2.1", "7.2.2", "7.3.1"),
    severity=Severity.CRITICAL,
    enforcement=Level.MANDATORY,
    types=IDENTITY_POLICY_TYPES,
    remediation="List the actions the principal needs instead of `*`.",
)
def iam_no_wildcard_action(resource: Resource, _ctx: Context) -> Iterator[str]:
    def judge(where: str, statement: documents.Statement) -> Iterator[str]:
        if not statement.allows:
            return
        if statement.not_actions is not None:
            yield f"{where} allows NotAction, which grants every other action"
        elif any(a in ("*", "*:*") for a in statement.actions):
            yield f"{where} allows Action '*'"

    yield from _judge_statements(resource, judge)


@resource_policy(
    "pci-iam-no-kms-decrypt-star",
    "Identity policies allow kms:Decrypt only on named keys, never on Resource `*`.",
    requirements=("3.6.1", "7.2.1", "7.2.2"),
    severity=Severity.CRITICAL,
    enforcement=Level.MANDATORY,
    locked=True,
    types=IDENTITY_POLICY_TYPES,
    remediation="Name the key ARNs the principal may decrypt with in Resource.",
)
def iam_no_kms_decrypt_star(resource: Resource, _ctx: Context) -> Iterator[str]:
    def judge(where: str, statement: documents.Statement) -> Iterator[str]:
        every_key = statement.not_resources is not None or "*" in statement.resources
        if statement.allows and statement.covers_action("kms:Decrypt") and every_key:
            yield f"{where} allows kms:Decrypt on every key"

    yield from _judge_statements(resource, judge)


def _managed_arns(resource: Resource) -> list[str]:
    if resource.type == t.IAM_ROLE:
        return values.as_str_list(resource.props.get("managedPolicyArns"))
    arn = values.as_str(resource.props.get("policyArn"))
    if arn is None:
        raise values.DocumentError("policyArn is not set")
    return [arn]


@resource_policy(
    "pci-iam-no-broad-managed-policy",
    "No role, user or group is given AdministratorAccess, PowerUserAccess or IAMFullAccess.",
    requirements=("7.2.1", "7.2.2", "7.2.5"),
    severity=Severity.CRITICAL,
    enforcement=Level.MANDATORY,
    types=ATTACHMENT_TYPES,
    remediation="Attach a policy that lists only the actions the principal needs.",
)
def iam_no_broad_managed_policy(resource: Resource, _ctx: Context) -> Iterator[str]:
    try:
        arns = _managed_arns(resource)
    except values.DocumentError as exc:
        yield str(exc)
        return
    for arn in arns:
        name = arn.rsplit("/", 1)[-1]
        if arn.startswith("arn:aws:iam::aws:policy/") and name in BROAD_MANAGED_POLICIES:
            yield f"attaches the AWS managed policy {name}"
