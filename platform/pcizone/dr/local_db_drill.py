"""The database drills on a local primary and streaming replica.

Switchover (planned): fast-stop the primary, wait until the standby replayed its shutdown
checkpoint, promote; nothing may be lost. Failover (unplanned): SIGKILL the primary and every
backend, promote; loss is allowed up to the target and is measured. Then the application is
re-pointed, the probe's payments are counted on the new writer, and the old primary is rebuilt
as a streaming standby (pg_rewind after a crash).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from pcizone.dr.accounting import account, judge
from pcizone.dr.endpoint import WriterEndpoint
from pcizone.dr.interrupts import sigint_deferred
from pcizone.dr.ledger_port import Ledger
from pcizone.dr.local_cluster import LocalCluster
from pcizone.dr.probe import WorkloadProbe, new_run_id
from pcizone.dr.results import ScenarioResult
from pcizone.dr.stop_conditions import StopConditions
from pcizone.dr.targets import ScenarioTargets
from pcizone.dr.timeline import Timeline
from pcizone.local.postgres import PostgresServer


@dataclass
class LocalDbDrill:
    scenario: str  # db-switchover | db-failover
    ledger: Ledger
    targets: ScenarioTargets
    timeline: Timeline
    stop: StopConditions = field(default_factory=StopConditions)
    template: Path | None = None  # a stopped data directory to copy instead of initdb
    # Extra server settings; the test suite turns fsync off (it kills processes, never the
    # machine, so what a crash loses is unchanged).
    server_settings: dict[str, str | int | bool] = field(default_factory=dict)
    probe_interval: float = 0.005
    settle_acks: int = 20  # commits on the new writer before the probe stops
    recovery_timeout: float = 30.0
    # Failover only: cut the standby off and let this many commits go unreplicated before the
    # crash, so the drill proves its accounting on a loss of known size.
    cut_replication_commits: int = 0
    run_id: str = field(default_factory=new_run_id)

    def run(self) -> ScenarioResult:
        result = ScenarioResult(self.scenario, "local", self.targets, self.timeline)
        tl = self.timeline
        cluster = LocalCluster(timeout=self.recovery_timeout, extra_settings=self.server_settings)
        try:
            with tl.step("build a primary and a streaming replica (pg_basebackup -R)") as step:
                cluster.bootstrap(self.ledger.prepare, self.template)
                step.note(primary=cluster.primary.name, standby=cluster.standby.name)
            endpoint = WriterEndpoint(
                cluster.primary.name, self.ledger.conninfo(cluster.primary.server)
            )
            probe = WorkloadProbe(
                endpoint,
                self.ledger.commit,
                run_id=self.run_id,
                clock=tl.clock,
                interval=self.probe_interval,
            )
            try:
                self._drill(result, cluster, probe)
            except KeyboardInterrupt:
                result.interrupted = True
                tl.anomaly("interrupted by the operator: restoring the topology")
                probe.stop()
                with sigint_deferred(tl.anomaly):
                    self._restore(cluster, endpoint)
            finally:
                probe.stop()
                result.measurements["probe_write_rate_per_s"] = round(probe.write_rate(), 1)
        except KeyboardInterrupt:  # before the fault (while building): only teardown is due
            result.interrupted = True
            tl.anomaly("interrupted by the operator before the fault: tearing down")
        except Exception as exc:
            result.error = f"{type(exc).__name__}: {exc}"
            tl.anomaly(f"drill failed: {result.error}")
        finally:
            try:
                with sigint_deferred(tl.anomaly), tl.step("tear down the drill cluster"):
                    cluster.destroy()
            except Exception as exc:
                result.error = result.error or f"teardown failed: {exc}"
                tl.anomaly(f"teardown failed: {exc}")
        return result

    # -- phases ---------------------------------------------------------------------------------
    def _drill(self, result: ScenarioResult, cluster: LocalCluster, probe: WorkloadProbe) -> None:
        if not self._stop_conditions_pass(result, cluster, probe):
            self.timeline.event("aborted before the fault: nothing was changed")
            return
        cut_at = self._cut_replication(cluster, probe) if self.cut_replication_commits else None
        old = cluster.primary.name
        fault_at, down_at = self._fault(cluster)
        new = cluster.primary.name
        probe.endpoint.repoint(new, self.ledger.conninfo(cluster.primary.server))
        self.timeline.event("re-pointed the application to the new writer", writer=new)
        with self.timeline.step("wait for probe commits on the new writer") as step:
            recovered = probe.wait_for_acks(
                self.settle_acks, timeout=self.recovery_timeout, after=fault_at, writer=new
            )
            step.note(recovered=recovered)
        probe.stop()
        probe.raise_if_failed()
        result.check(
            "probe recovered on the new writer",
            recovered,
            f"{self.settle_acks} commits on {new} within {self.recovery_timeout:g} s",
        )
        with self.timeline.step("count the probe's payments on the new writer") as step:
            stored = self._stored(cluster.primary.server)
            step.note(payments=len(stored))
        attempts = probe.attempts()
        if probe.started_at is not None and fault_at > probe.started_at:
            before = sum(1 for a in attempts if a.ok and a.done < fault_at)
            result.measurements["probe_write_rate_before_fault_per_s"] = round(
                before / (fault_at - probe.started_at), 1
            )
        acct = account(
            attempts, stored, fault_at=fault_at, old_writer=old, new_writer=new, down_at=down_at
        )
        judge(result, acct)
        if cut_at is not None:
            after_cut = {a.seq for a in attempts if a.ok and a.writer == old and a.sent >= cut_at}
            lost = {a.seq for a in acct.missing}
            result.check(
                "every commit after the replication cut is counted as lost",
                after_cut <= lost,
                f"{len(after_cut)} acknowledged after the cut, {len(lost)} counted lost",
            )
            result.measurements["acked_after_replication_cut"] = len(after_cut)
        self._rebuild(result, cluster, clean=self.scenario == "db-switchover")

    def _stop_conditions_pass(
        self, result: ScenarioResult, cluster: LocalCluster, probe: WorkloadProbe
    ) -> bool:
        tl = self.timeline
        with tl.step("warm up the workload probe") as step:
            t0 = tl.clock.now()
            probe.start()
            warm = probe.wait_for_acks(self.stop.warmup_acks, timeout=self.stop.warmup_timeout)
            error_rate = probe.error_rate(since=t0)
            step.note(warmed_up=warm, error_rate=round(error_rate, 4))
        with tl.step("read replication state (pg_stat_replication)") as step:
            lag = cluster.lag()
            step.note(
                state=lag.state, replay_lag_ms=lag.replay_lag_ms, lag_bytes=lag.replay_lag_bytes
            )
        result.measurements["replication_lag_before_fault"] = {
            "state": lag.state,
            "replay_lag_ms": lag.replay_lag_ms,
            "replay_lag_bytes": lag.replay_lag_bytes,
        }
        problems = self.stop.violations(
            error_rate=error_rate, lag_ms=lag.replay_lag_ms if lag.state == "streaming" else None
        )
        if not warm:
            problems.append(f"probe made fewer than {self.stop.warmup_acks} commits in warm-up")
        probe.raise_if_failed()
        for p in problems:
            tl.anomaly(f"stop condition: {p}")
        detail = "; ".join(problems) or "probe error rate and replication lag within limits"
        result.check("stop conditions before the fault", not problems, detail)
        return not problems

    def _cut_replication(self, cluster: LocalCluster, probe: WorkloadProbe) -> float:
        """Disconnect the standby's WAL receiver, then let commits pile up on the primary."""
        tl = self.timeline
        with tl.step("cut replication to the standby") as step:
            standby = cluster.standby
            standby.execute("ALTER SYSTEM SET primary_conninfo = ''")
            standby.execute("SELECT pg_reload_conf()")
            deadline = time.monotonic() + self.recovery_timeout
            while standby.query_one("SELECT count(*) FROM pg_stat_wal_receiver"):
                if time.monotonic() > deadline:
                    raise TimeoutError("the standby's WAL receiver did not stop")
                time.sleep(0.005)
            cut_at = tl.clock.now()
            old = cluster.primary.name
            enough = probe.wait_for_acks(
                self.cut_replication_commits,
                timeout=self.recovery_timeout,
                after=cut_at,
                writer=old,
            )
            step.note(unreplicated_commits_wanted=self.cut_replication_commits, reached=enough)
        return cut_at

    def _fault(self, cluster: LocalCluster) -> tuple[float, float]:
        """Injects the fault and promotes; returns when it began and when the old writer was down."""
        tl = self.timeline
        fault_at = tl.clock.now()
        if self.scenario == "db-switchover":
            tl.event("fault: planned switchover begins", at=fault_at)
            with tl.step(f"stop {cluster.primary.name} (fast shutdown)") as step:
                lsn = cluster.stop_primary_cleanly()
                step.note(shutdown_checkpoint=lsn)
            down_at = tl.clock.now()
            with tl.step(f"wait until {cluster.standby.name} replayed {lsn}"):
                cluster.standby.wait_replayed(lsn, self.recovery_timeout)
        else:
            tl.event("fault: primary crash begins", at=fault_at)
            with tl.step(f"kill {cluster.primary.name} (SIGKILL postmaster and backends)"):
                cluster.crash_primary()
            down_at = tl.clock.now()
        with tl.step(f"promote {cluster.standby.name}"):
            cluster.promote_standby()
        return fault_at, down_at

    def _rebuild(self, result: ScenarioResult, cluster: LocalCluster, *, clean: bool) -> None:
        tl = self.timeline
        with tl.step(f"rebuild {cluster.standby.name} as a standby of {cluster.primary.name}") as s:
            how = cluster.rejoin_old_primary(clean=clean)
            s.note(method=how)
        with tl.step("verify the standby holds every payment of the primary") as step:
            cluster.wait_streaming()
            on_primary = self._stored(cluster.primary.server)
            on_standby = self._stored(cluster.standby.server)
            step.note(primary=len(on_primary), standby=len(on_standby))
        result.measurements["rebuild_method"] = how
        result.check(
            "old primary rebuilt as a streaming replica",
            cluster.healthy() and on_primary == on_standby,
            f"{cluster.standby.name} streams from {cluster.primary.name} ({how});"
            f" {len(on_standby)} of {len(on_primary)} probe payments replicated",
        )

    def _restore(self, cluster: LocalCluster, endpoint: WriterEndpoint) -> None:
        tl = self.timeline
        with tl.step("restore the topology after the interrupt") as step:
            actions = cluster.repair()
            endpoint.repoint(cluster.primary.name, self.ledger.conninfo(cluster.primary.server))
            healthy = cluster.healthy()
            step.note(actions="; ".join(actions) or "none needed", healthy=healthy)
        if not healthy:
            tl.anomaly("the topology could not be restored to a primary and a streaming standby")

    def _stored(self, server: PostgresServer) -> dict[str, int]:
        with psycopg.connect(self.ledger.conninfo(server), autocommit=True) as conn:
            return self.ledger.stored(conn, self.run_id)
