"""AWS Organizations (org stack): the guardrail SCPs reach every workload OU."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pcizone.policy import aws_types as t
from pcizone.policy import documents, values
from pcizone.policy.rules.select import whole_stack
from pcizone.policy.spec import Level, Severity, StackKind, stack_policy
from pcizone.policy.views import Context, Resource, Stack

ORGANIZATION = "aws:organizations/organization:Organization"
SCP_TYPE = "SERVICE_CONTROL_POLICY"
WORKLOAD_MARK = "workload"


def _named_workload(ou: Resource) -> bool:
    name = values.as_str(ou.props.get("name")) or ou.name
    return WORKLOAD_MARK in name.lower()


def _children(ou: Resource, stack: Stack) -> list[Resource]:
    return stack.referrers(ou, (t.ORG_OU,), "parentId")


def workload_ous(stack: Stack) -> list[Resource]:
    """The OUs workload accounts live in: the leaves of every subtree named "...workload..."."""
    found: dict[str, Resource] = {}
    pending = [ou for ou in stack.of_type(t.ORG_OU) if _named_workload(ou)]
    while pending:
        ou = pending.pop()
        if ou.urn in found:
            continue
        children = _children(ou, stack)
        if children:
            pending.extend(children)
        else:
            found[ou.urn] = ou
    return list(found.values())


def _subjects(stack: Stack, ctx: Context) -> Sequence[Resource]:
    """The workload OUs; the stack itself when there are none (which is a violation)."""
    return workload_ous(stack) or whole_stack(stack, ctx)


def _targets(ou: Resource, stack: Stack) -> list[Resource]:
    """The OU, its ancestor OUs and the organization (root): SCPs attached there all apply."""
    chain = [ou]
    seen = {ou.urn}
    current = ou
    while True:
        parents = [
            p for p in stack.referenced(current, "parentId", (t.ORG_OU,)) if p.urn not in seen
        ]
        if not parents:
            break
        current = parents[0]
        seen.add(current.urn)
        chain.append(current)
    return chain + stack.referenced(current, "parentId", (ORGANIZATION,))


def _denies_everything(scp: Resource) -> bool:
    """A deny-all SCP (a quarantine) is a containment measure, not a guardrail for workloads."""
    try:
        statements = documents.parse_statements(scp.props.get("content"), scp.name)
    except values.DocumentError:
        return False
    return any(
        s.denies and "*" in s.actions and s.covers_all_resources() and not s.condition
        for s in statements
    )


def guardrail_scps(stack: Stack) -> list[Resource]:
    return [
        p
        for p in stack.of_type(t.ORG_POLICY)
        if (values.as_str(p.props.get("type")) or SCP_TYPE) == SCP_TYPE
        and not _denies_everything(p)
    ]


@stack_policy(
    "pci-scp-workload-ous",
    "Every guardrail SCP of the org stack applies to every OU that holds workload accounts.",
    requirements=("7.2.1", "7.2.2", "10.3.2", "A3.4.1"),
    severity=Severity.CRITICAL,
    enforcement=Level.MANDATORY,
    types=(t.ORG_OU, t.STACK),
    subjects=_subjects,
    kinds=(StackKind.ORG,),
    remediation=(
        "Attach each guardrail SCP (aws.organizations.PolicyAttachment) to the workload OU, "
        "one of its parents, or the organization root."
    ),
)
def scp_workload_ous(ou: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    if ou.type == t.STACK:
        yield f"the org stack declares no OU whose name contains {WORKLOAD_MARK!r}"
        return
    scps = guardrail_scps(stack)
    if not scps:
        yield "the org stack declares no guardrail service control policy"
        return
    targets = _targets(ou, stack)
    attachments = [
        a
        for a in stack.of_type(t.ORG_POLICY_ATTACHMENT)
        if any(a.refers_to("targetId", target) for target in targets)
    ]
    missing = [
        scp.name for scp in scps if not any(a.refers_to("policyId", scp) for a in attachments)
    ]
    if missing:
        yield f"not attached (directly or through a parent): {', '.join(sorted(missing))}"
