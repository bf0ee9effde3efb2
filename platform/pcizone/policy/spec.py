"""A policy's metadata and check, declared with a decorator next to the check itself."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from pcizone.policy.requirements import section_key
from pcizone.policy.views import Context, Resource, Stack

POLICY_ID = re.compile(r"^pci-[a-z0-9]+(-[a-z0-9]+)*$")


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Level(enum.StrEnum):
    """Enforcement levels, spelled as pulumi-policy and the CLI's pack config spell them."""

    MANDATORY = "mandatory"
    ADVISORY = "advisory"
    DISABLED = "disabled"


class StackKind(enum.StrEnum):
    ORG = "org"
    STAGE = "stage"
    DEVELOPER = "developer"


class NotApplicable(Exception):
    """Raised by a check when the policy does not apply to this resource or stack."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


ResourceCheck = Callable[[Resource, Context], Iterator[str]]
StackCheck = Callable[[Resource, Stack, Context], Iterator[str]]
SubjectSelector = Callable[[Stack, Context], Sequence[Resource]]


@dataclass(frozen=True)
class PolicySpec:
    id: str
    description: str
    requirements: tuple[str, ...]
    severity: Severity
    enforcement: Level
    """The level in org, dev, staging and prod stacks."""
    locked: bool
    """Mandatory in every stack, developer stacks included, and no override may lower it."""
    types: tuple[str, ...]
    """The resource types this policy judges (the rows of a report)."""
    remediation: str
    kinds: frozenset[StackKind] | None
    """Stack kinds the policy applies to; None for all."""

    @property
    def kind(self) -> str:
        raise NotImplementedError

    def developer_level(self) -> Level:
        """Developer stacks hold no cardholder data: only locked controls stay mandatory there."""
        if self.locked or self.enforcement is not Level.MANDATORY:
            return self.enforcement
        return Level.ADVISORY

    def check_kind(self, ctx: Context) -> None:
        kind = ctx.stack_kind
        if self.kinds is not None and kind is not None and kind not in self.kinds:
            allowed = ", ".join(sorted(self.kinds))
            raise NotApplicable(f"applies to {allowed} stacks, not {ctx.stack_kind}")


@dataclass(frozen=True)
class ResourcePolicySpec(PolicySpec):
    check: ResourceCheck

    @property
    def kind(self) -> str:
        return "resource"


@dataclass(frozen=True)
class StackPolicySpec(PolicySpec):
    check: StackCheck
    subjects: SubjectSelector

    @property
    def kind(self) -> str:
        return "stack"


def _validate_meta(policy_id: str, description: str, requirements: Sequence[str]) -> None:
    if not POLICY_ID.match(policy_id):
        raise ValueError(f"policy id {policy_id!r} must look like pci-<service>-<control>")
    if not description.endswith("."):
        raise ValueError(f"policy {policy_id}: the description must be one full sentence")
    if not requirements:
        raise ValueError(f"policy {policy_id}: cite at least one PCI DSS requirement")


def resource_policy(
    policy_id: str,
    description: str,
    *,
    requirements: Sequence[str],
    severity: Severity,
    enforcement: Level,
    types: Sequence[str],
    remediation: str,
    locked: bool = False,
    kinds: Sequence[StackKind] | None = None,
) -> Callable[[ResourceCheck], ResourcePolicySpec]:
    """Declare a policy that judges each resource of `types` on its own."""
    _validate_meta(policy_id, description, requirements)

    def wrap(check: ResourceCheck) -> ResourcePolicySpec:
        return ResourcePolicySpec(
            id=policy_id,
            description=description,
            requirements=tuple(sorted(requirements, key=section_key)),
            severity=severity,
            enforcement=enforcement,
            locked=locked,
            types=tuple(types),
            remediation=remediation,
            kinds=frozenset(kinds) if kinds is not None else None,
            check=check,
        )

    return wrap


def stack_policy(
    policy_id: str,
    description: str,
    *,
    requirements: Sequence[str],
    severity: Severity,
    enforcement: Level,
    types: Sequence[str],
    remediation: str,
    subjects: SubjectSelector | None = None,
    locked: bool = False,
    kinds: Sequence[StackKind] | None = None,
) -> Callable[[StackCheck], StackPolicySpec]:
    """Declare a policy that judges resources against the rest of the stack.

    `subjects` picks the resources judged (default: every resource of `types`); the check
    runs once per subject with the whole stack at hand.
    """
    _validate_meta(policy_id, description, requirements)
    wanted = tuple(types)

    def all_of_types(stack: Stack, _ctx: Context) -> Sequence[Resource]:
        return stack.of_type(*wanted)

    def wrap(check: StackCheck) -> StackPolicySpec:
        return StackPolicySpec(
            id=policy_id,
            description=description,
            requirements=tuple(sorted(requirements, key=section_key)),
            severity=severity,
            enforcement=enforcement,
            locked=locked,
            types=wanted,
            remediation=remediation,
            kinds=frozenset(kinds) if kinds is not None else None,
            check=check,
            subjects=subjects or all_of_types,
        )

    return wrap
