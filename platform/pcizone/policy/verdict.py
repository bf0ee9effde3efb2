"""The outcome of evaluating the pack on one stack: one result per policy and resource."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from pcizone.policy.spec import Level, PolicySpec, Severity


class Status(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    UNKNOWN = "unknown"
    """A value the check needs is not known until the resource exists (preview)."""
    NOT_APPLICABLE = "not-applicable"


@dataclass(frozen=True)
class PolicyResult:
    policy: str
    urn: str
    status: Status
    messages: tuple[str, ...]
    enforcement: Level
    severity: Severity

    @property
    def message(self) -> str:
        return "; ".join(self.messages)

    @property
    def resource_name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    @property
    def resource_type(self) -> str:
        parts = self.urn.split("::")
        return parts[2].split("$")[-1] if len(parts) > 2 else ""


@dataclass(frozen=True)
class PolicyVerdict:
    stack: str
    kind: str
    stage: str
    policies: tuple[PolicySpec, ...]
    levels: Mapping[str, Level]
    """The enforcement level each policy ran with in this stack."""
    results: tuple[PolicyResult, ...]

    @property
    def mandatory_failures(self) -> list[PolicyResult]:
        return [
            r for r in self.results if r.status is Status.FAIL and r.enforcement is Level.MANDATORY
        ]

    @property
    def advisory_failures(self) -> list[PolicyResult]:
        return [
            r for r in self.results if r.status is Status.FAIL and r.enforcement is Level.ADVISORY
        ]

    @property
    def unknowns(self) -> list[PolicyResult]:
        return [r for r in self.results if r.status is Status.UNKNOWN]

    @property
    def passed(self) -> bool:
        return not self.mandatory_failures

    def totals(self) -> dict[str, int]:
        counts = Counter(r.status.value for r in self.results)
        return {status.value: counts.get(status.value, 0) for status in Status}

    def for_policy(self, policy_id: str) -> list[PolicyResult]:
        return [r for r in self.results if r.policy == policy_id]
