"""What a scenario hands to the report: measurements, judged checks and its timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pcizone.dr.targets import ScenarioTargets
from pcizone.dr.timeline import Timeline


@dataclass(frozen=True)
class Check:
    """One pass/fail criterion, with the figures that decided it."""

    name: str
    passed: bool
    detail: str


@dataclass
class ScenarioResult:
    scenario: str
    mode: str  # "local" or "aws"
    targets: ScenarioTargets
    timeline: Timeline
    rto_seconds: float | None = None
    rpo_commits: int | None = None
    rpo_seconds: float | None = None
    checks: list[Check] = field(default_factory=list)
    measurements: dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False
    error: str | None = None

    @property
    def passed(self) -> bool:
        return (
            not self.interrupted
            and self.error is None
            and bool(self.checks)
            and all(c.passed for c in self.checks)
        )

    def check(self, name: str, passed: bool, detail: str) -> None:
        self.checks.append(Check(name, passed, detail))
        if not passed:
            self.timeline.anomaly(f"check failed: {name}: {detail}")

    def judge_targets(self) -> None:
        """Adds the RTO and RPO checks against the scenario's targets."""
        t = self.targets
        if t.rto_seconds is not None:
            ok = self.rto_seconds is not None and self.rto_seconds <= t.rto_seconds
            shown = "not measured" if self.rto_seconds is None else f"{self.rto_seconds:.3f} s"
            self.check("rto within target", ok, f"RTO {shown}, target {t.rto_seconds:g} s")
        if t.rpo_commits is not None:
            ok = self.rpo_commits is not None and self.rpo_commits <= t.rpo_commits
            self.check(
                "rpo commits within target",
                ok,
                f"{self.rpo_commits} acknowledged commit(s) lost, target {t.rpo_commits}",
            )
        if t.rpo_seconds is not None:
            ok = self.rpo_seconds is not None and self.rpo_seconds <= t.rpo_seconds
            shown = "not measured" if self.rpo_seconds is None else f"{self.rpo_seconds:.3f} s"
            self.check("rpo time within target", ok, f"RPO {shown}, target {t.rpo_seconds:g} s")
