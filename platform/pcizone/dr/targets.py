"""Drill targets and safety switches, read from the stack config's `pcizone:dr` section."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pcizone.errors import UserError

SCENARIOS = ("db-switchover", "db-failover", "queue", "restore")


@dataclass(frozen=True)
class ScenarioTargets:
    """What one scenario must meet; None means measured and reported but not judged."""

    rto_seconds: float | None
    rpo_commits: int | None
    rpo_seconds: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "rto_seconds": self.rto_seconds,
            "rpo_commits": self.rpo_commits,
            "rpo_seconds": self.rpo_seconds,
        }


@dataclass(frozen=True)
class DrillTargets:
    """The stack's recovery objectives (PCI DSS 12.10.1 asks the plan to state them)."""

    rto_seconds: float
    rpo_seconds: float
    rpo_commits: int
    allow_prod_drills: bool = False
    region: str | None = None  # the DR region (prod's secondary); None where there is none
    max_receive_count: int = 5  # the payments queue's redrive policy, for the queue drill

    def __post_init__(self) -> None:
        if self.rto_seconds <= 0:
            raise UserError(f"pcizone:dr.rtoSeconds: must be above 0, got {self.rto_seconds}")
        if self.rpo_seconds < 0 or self.rpo_commits < 0:
            raise UserError("pcizone:dr.rpoSeconds and rpoCommits: must not be negative")
        if self.max_receive_count < 1:
            raise UserError(
                f"pcizone:payments.queue.maxReceiveCount: must be at least 1,"
                f" got {self.max_receive_count}"
            )

    def for_scenario(self, scenario: str) -> ScenarioTargets:
        if scenario == "db-switchover":
            # A planned switchover waits for the replica to catch up: any loss is a failure.
            return ScenarioTargets(self.rto_seconds, 0, 0.0)
        if scenario == "db-failover":
            return ScenarioTargets(self.rto_seconds, self.rpo_commits, self.rpo_seconds)
        if scenario == "queue":
            # Messages are durable: a queue incident may delay payments, never lose one.
            return ScenarioTargets(self.rto_seconds, 0, 0.0)
        if scenario == "restore":
            # A restore copy must hold every row up to its recovery point. How long a restore
            # takes is reported; it is a backup objective, not the failover RTO.
            return ScenarioTargets(None, 0, None)
        raise UserError(f"unknown drill scenario {scenario!r}: use one of {', '.join(SCENARIOS)}")


def load_drill_targets(stack: str, repo_root: Path | None = None) -> DrillTargets:
    """The targets of `stack` from stacks/Pulumi.<stack>.yaml, validated by pcizone.config."""
    from pcizone.config import OrgConfig, load_stack_config
    from pcizone.config.payments_settings import QueueSettings

    _identity, config, _raw = load_stack_config(stack, repo_root)
    if isinstance(config, OrgConfig):
        raise UserError(
            f"stack {stack!r} is the organization stack: drills run on stage stacks"
            " (dev, staging, prod) and developer stacks"
        )
    dr = config.dr
    queue = config.payments.queue if config.payments is not None else QueueSettings()
    return DrillTargets(
        rto_seconds=dr.rto_seconds,
        rpo_seconds=dr.rpo_seconds,
        rpo_commits=dr.rpo_commits,
        allow_prod_drills=dr.allow_prod_drills,
        region=dr.region,
        max_receive_count=queue.max_receive_count,
    )


def is_prod(stack: str) -> bool:
    return stack == "prod"


def check_prod_allowed(stack: str, targets: DrillTargets, i_understand_prod: bool) -> None:
    """Prod drills need both the operator's flag and the stack's consent in config."""
    if not is_prod(stack):
        return
    if not i_understand_prod:
        raise UserError(
            "refusing to drill prod: pass --i-understand-prod (a drill fails over the"
            " production database and moves real traffic)"
        )
    if not targets.allow_prod_drills:
        raise UserError(
            f"refusing to drill prod: stacks/Pulumi.{stack}.yaml: pcizone:dr.allowProdDrills"
            " is false; set it to true in a reviewed change first"
        )
