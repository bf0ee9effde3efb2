"""AWS Organizations (org stack): the guardrail SCPs reach every workload OU."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pcizone.policy import aws_types as t
from pcizone.policy import values
from pcizone.policy.rules.select import whole_stack
from pcizone.policy.spec import Level, Severity, StackKind, stack_policy
from pcizone.policy.views import Context, Resource, Stack

ORGANIZATION = "aws:organizations/organization:Organization"
SCP_TYPE = "SERVICE_CONTROL_POLICY"
WORKLOAD_MARK = "workload"


def is_workload_ou(ou: Resource) -> bool:
    """OUs that hold workload (stage) accounts are named "...workload..." by the landing zone."""
    name = values.as_str(ou.props.get("name")) or ou.name
    return WORKLOAD_MARK in name.lower()


def _workload_ous(stack: Stack, ctx: Context) -> Sequence[Resource]:
    """The workload OUs; the stack itself when there are none (which is a violation)."""
    return [ou for ou in stack.of_type(t.ORG_OU) if is_workload_ou(ou)] or whole_stack(stack, ctx)


def _targets(ou: Resource, stack: Stack) -> list[Resource]:
    """The OU, its ancestor OUs and the organization (root): SCPs attached there all apply."""
    chain = [ou]
    seen = {ou.urn}
    current = ou
    while True:
        parents = stack.referenced(current, "parentId", (t.ORG_OU,))
        parents = [p for p in parents if p.urn not in seen]
        if not parents:
            break
        current = parents[0]
        seen.add(current.urn)
        chain.append(current)
    roots = stack.referenced(current, "parentId", (ORGANIZATION,))
    return chain + roots


def _scps(stack: Stack) -> list[Resource]:
    return [
        p
        for p in stack.of_type(t.ORG_POLICY)
        if (values.as_str(p.props.get("type")) or SCP_TYPE) == SCP_TYPE
    ]


@stack_policy(
    "pci-scp-workload-ous",
    "Every guardrail SCP of the org stack applies to every workload OU.",
    requirements=("7.2.1", "7.2.2", "10.3.2", "A3.4.1"),
    severity=Severity.CRITICAL,
    enforcement=Level.MANDATORY,
    types=(t.ORG_OU, t.STACK),
    subjects=_workload_ous,
    kinds=(StackKind.ORG,),
    remediation="Add an aws.organizations.PolicyAttachment of each SCP to the OU (or its parent).",
)
def scp_workload_ous(ou: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    if ou.type == t.STACK:
        yield f"the org stack declares no OU whose name contains {WORKLOAD_MARK!r}"
        return
    scps = _scps(stack)
    if not scps:
        yield "the org stack declares no service control policy"
        return
    targets = _targets(ou, stack)
    attachments = [
        a
        for a in stack.of_type(t.ORG_POLICY_ATTACHMENT)
        if any(a.refers_to("targetId", target) for target in targets)
    ]
    missing = [
        scp.name
        for scp in scps
        if not any(a.refers_to("policyId", scp) for a in attachments)
    ]
    if missing:
        yield f"not attached (directly or through a parent): {', '.join(sorted(missing))}"
