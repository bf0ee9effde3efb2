"""The database drills on AWS: Aurora Global Database switchover or failover, then fail back.

Order: the cluster must be steady; the probe warms up; aurora_global_db_status() gives the
secondary's rpo_lag_in_msec; stop conditions may abort (nothing was changed yet); the fault;
wait for the new writer; re-point the probe; measure; wait for the old primary to resync; fail
back by switchover. A transition that does not settle stops the drill and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pcizone.dr.accounting import account, judge
from pcizone.dr.aws_global import (
    Cancelled,
    GlobalClusterDriver,
    MidTransition,
    NotSteady,
    region_of,
)
from pcizone.dr.endpoint import WriterEndpoint
from pcizone.dr.probe import Attempt
from pcizone.dr.results import ScenarioResult
from pcizone.dr.stop_conditions import StopConditions
from pcizone.dr.targets import ScenarioTargets
from pcizone.dr.timeline import Timeline


@dataclass(frozen=True)
class RegionLag:
    """One row of aurora_global_db_status()."""

    region: str
    rpo_lag_ms: float  # -1 on the primary
    durability_lag_ms: float


@dataclass(frozen=True)
class AwsTimeouts:
    transition: float = 900.0  # switchover/failover to settle
    recovery: float = 300.0  # the probe to commit on the new writer
    resync: float = 3_600.0  # the old primary to rejoin as a synced secondary


class Probe(Protocol):
    endpoint: WriterEndpoint

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def attempts(self) -> list[Attempt]: ...
    def error_rate(self, since: float) -> float: ...
    def write_rate(self) -> float: ...
    def first_ack(self, *, after: float, writer: str) -> Attempt | None: ...
    def wait_for_acks(
        self, count: int, *, timeout: float, after: float = 0.0, writer: str | None = None
    ) -> bool: ...
    def raise_if_failed(self) -> None: ...


@dataclass
class AwsDbDrill:
    scenario: str  # db-switchover | db-failover
    driver: GlobalClusterDriver
    probe: Probe
    dr_region: str
    read_lag: Callable[[], Sequence[RegionLag]]  # through a DB connection, before the fault
    conninfo_for: Callable[[str], str]  # cluster ARN -> libpq conninfo of its writer endpoint
    stored_keys: Callable[[str], Mapping[str, int]]  # conninfo -> probe keys stored there
    targets: ScenarioTargets
    timeline: Timeline
    stop: StopConditions = field(default_factory=StopConditions)
    timeouts: AwsTimeouts = field(default_factory=AwsTimeouts)
    settle_acks: int = 20  # commits on the new writer before the probe stops
    _fault_issued: bool = field(default=False, init=False)

    def run(self) -> ScenarioResult:
        result = ScenarioResult(self.scenario, "aws", self.targets, self.timeline)
        tl = self.timeline
        try:
            with tl.step("check the global cluster is steady") as step:
                topo, writer, secondary = self.driver.require_steady(target_region=self.dr_region)
                step.note(writer=writer, target=secondary, status=topo.status)
        except NotSteady as exc:
            result.error = f"drill not started: {exc}"
            tl.anomaly(result.error)
            return result
        result.measurements.update(original_writer=writer, promotion_target=secondary)
        try:
            self._drill(result, writer, secondary)
        except KeyboardInterrupt:
            result.interrupted = True
            tl.anomaly("interrupted by the operator: restoring the original writer")
            self.probe.stop()
            if self._fault_issued:
                self._restore(result, writer, secondary)
        except (MidTransition, Cancelled) as exc:
            # No further API calls on a cluster in an unknown state: the message says where.
            result.error = str(exc)
            tl.anomaly(str(exc))
        except Exception as exc:
            result.error = f"{type(exc).__name__}: {exc}"
            tl.anomaly(f"drill failed: {result.error}")
            if self._fault_issued:
                self._restore(result, writer, secondary)
        finally:
            self.probe.stop()
        return result

    # -- phases ---------------------------------------------------------------------------------
    def _drill(self, result: ScenarioResult, writer: str, secondary: str) -> None:
        self.probe.endpoint.repoint(writer, self.conninfo_for(writer))
        if not self._stop_conditions_pass(result, secondary):
            self.timeline.event(
                "aborted before the fault: nothing was changed, no fail-back needed"
            )
            return
        self._fault_and_measure(result, writer, secondary)
        self._fail_back(result, writer, secondary)

    def _stop_conditions_pass(self, result: ScenarioResult, secondary: str) -> bool:
        tl = self.timeline
        with tl.step("warm up the workload probe") as step:
            t0 = tl.clock.now()
            self.probe.start()
            warm = self.probe.wait_for_acks(self.stop.warmup_acks, timeout=self.stop.warmup_timeout)
            error_rate = self.probe.error_rate(since=t0)
            step.note(warmed_up=warm, error_rate=round(error_rate, 4))
        with tl.step("read aurora_global_db_status()") as step:
            lags = [r.rpo_lag_ms for r in self.read_lag() if r.region == region_of(secondary)]
            lag = lags[0] if lags else None
            step.note(rpo_lag_in_msec=lag)
        result.measurements["rpo_lag_in_msec_before_fault"] = lag
        problems = self.stop.violations(error_rate=error_rate, lag_ms=lag)
        if not warm:
            problems.append(f"probe made fewer than {self.stop.warmup_acks} commits in warm-up")
        for p in problems:
            tl.anomaly(f"stop condition: {p}")
        detail = "; ".join(problems) or "probe error rate and replication lag within limits"
        result.check("stop conditions before the fault", not problems, detail)
        return not problems

    def _fault_and_measure(self, result: ScenarioResult, writer: str, secondary: str) -> None:
        tl = self.timeline
        switchover = self.scenario == "db-switchover"
        api = "switchover_global_cluster" if switchover else "failover_global_cluster"
        fault_at = tl.clock.now()
        tl.event(f"fault: {api}", at=fault_at, target=secondary)
        # Set before the call: an interrupt while it is in flight must still restore.
        self._fault_issued = True
        if switchover:
            self.driver.switchover(secondary)
        else:
            self.driver.failover(secondary)
        with tl.step(f"wait until {secondary} is the writer") as step:
            topo = self.driver.wait_for_writer(
                secondary, timeout=self.timeouts.transition, action=api
            )
            step.note(status=topo.status)
        self.probe.endpoint.repoint(secondary, self.conninfo_for(secondary))
        tl.event("re-pointed the application to the new writer", target=secondary)
        with tl.step("wait for probe commits on the new writer") as step:
            recovered = self.probe.wait_for_acks(
                self.settle_acks, timeout=self.timeouts.recovery, after=fault_at, writer=secondary
            )
            step.note(recovered=recovered)
        self.probe.stop()
        self.probe.raise_if_failed()
        with tl.step("count the probe's payments on the new writer") as step:
            stored = self.stored_keys(self.conninfo_for(secondary))
            step.note(stored=len(stored))
        attempts = self.probe.attempts()
        acct = account(attempts, stored, fault_at=fault_at, old_writer=writer, new_writer=secondary)
        result.measurements["probe_write_rate_per_s"] = round(self.probe.write_rate(), 1)
        result.check(
            "probe recovered on the new writer",
            recovered,
            f"{self.settle_acks} commits on the new writer within {self.timeouts.recovery:g} s",
        )
        judge(result, acct)

    def _fail_back(self, result: ScenarioResult, writer: str, secondary: str) -> None:
        tl = self.timeline
        with tl.step(f"wait until {writer} is a synced secondary"):
            self.driver.wait_for_writer(
                secondary,
                timeout=self.timeouts.resync,
                action="resync before fail-back",
                require_synced=True,
            )
        with tl.step(f"fail back: switchover_global_cluster to {writer}") as step:
            self.driver.switchover(writer)
            topo = self.driver.wait_for_writer(
                writer, timeout=self.timeouts.transition, action="fail-back switchover"
            )
            step.note(status=topo.status)
        result.check("failed back to the original writer", True, f"writer is {writer} again")

    def _restore(self, result: ScenarioResult, writer: str, secondary: str) -> None:
        """After Ctrl-C: let the transition finish, then put the original writer back."""
        tl = self.timeline
        try:
            with tl.step("restore after interrupt: let the transition settle"):
                topo = self.driver.describe()
                if topo.steady and topo.writer == writer:
                    tl.event("the original writer is the writer: nothing to restore")
                    return
                self.driver.wait_for_writer(
                    secondary, timeout=self.timeouts.transition, action="interrupted transition"
                )
            self._fail_back(result, writer, secondary)
        except KeyboardInterrupt:
            tl.anomaly(
                f"restore interrupted: {self.driver.global_cluster_id} was left as it is,"
                f" {self.driver.describe().describe()}"
            )
        except (MidTransition, Cancelled) as exc:
            tl.anomaly(f"restore did not finish: {exc}")
