"""The restore drill on a local server: base backup -> scratch server -> compare -> delete.

Payments keep coming while the backup runs, as they would in production. The copy must hold
every payment acknowledged before the backup began (that is its RPO), and its ledger must
match the source's up to the copy's own high-water marks, row for row and checksum for
checksum. Then the scratch server and its files are deleted, and that is checked too.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from pcizone.dr.endpoint import WriterEndpoint
from pcizone.dr.interrupts import sigint_deferred
from pcizone.dr.ledger_port import Ledger, LedgerDigest
from pcizone.dr.local_node import REPLICATION_SETTINGS, Node
from pcizone.dr.probe import WorkloadProbe, new_run_id
from pcizone.dr.results import ScenarioResult
from pcizone.dr.targets import ScenarioTargets
from pcizone.dr.timeline import Timeline
from pcizone.local.postgres import PostgresServer, pg_temp_dir


@dataclass
class LocalRestoreDrill:
    ledger: Ledger
    targets: ScenarioTargets
    timeline: Timeline
    template: Path | None = None
    server_settings: dict[str, str | int | bool] = field(default_factory=dict)
    payments_before_backup: int = 50
    probe_interval: float = 0.005
    run_id: str = field(default_factory=new_run_id)

    def run(self) -> ScenarioResult:
        result = ScenarioResult("restore", "local", self.targets, self.timeline)
        tl = self.timeline
        base = pg_temp_dir("pcizone-restore-")
        settings = {**REPLICATION_SETTINGS, **self.server_settings}
        source = Node("source", base, dict(settings))
        scratch = Node("scratch", base, dict(settings))
        probe: WorkloadProbe | None = None
        try:
            with tl.step("build the source server"):
                source.server.init(self.template)
                source.start()
                self.ledger.prepare(source.server)
            endpoint = WriterEndpoint(source.name, self.ledger.conninfo(source.server))
            probe = WorkloadProbe(
                endpoint,
                self.ledger.commit,
                run_id=self.run_id,
                clock=tl.clock,
                interval=self.probe_interval,
            )
            with tl.step("write payments through the payments API") as step:
                probe.start()
                probe.wait_for_acks(self.payments_before_backup, timeout=30)
                probe.raise_if_failed()
                step.note(acknowledged=len(probe.acks()))
            with tl.step("settle them through the worker's settlement code") as step:
                settled = self.ledger.settle(self.ledger.conninfo(source.server), self.run_id)
                step.note(settled=settled)
            self._backup_restore_compare(result, source, scratch, probe)
        except KeyboardInterrupt:
            result.interrupted = True
            tl.anomaly("interrupted by the operator: deleting the scratch copy")
        except Exception as exc:
            result.error = f"{type(exc).__name__}: {exc}"
            tl.anomaly(f"restore drill failed: {result.error}")
        finally:
            if probe is not None:
                probe.stop()
            with sigint_deferred(tl.anomaly):
                self._delete_scratch(result, scratch)
                with tl.step("tear down the source server"):
                    source.server.stop("immediate", timeout=10.0)
                    shutil.rmtree(base, ignore_errors=True)
        return result

    def _backup_restore_compare(
        self, result: ScenarioResult, source: Node, scratch: Node, probe: WorkloadProbe
    ) -> None:
        tl = self.timeline
        backup_at = tl.clock.now()
        acked_before = {a.key for a in probe.acks() if a.done < backup_at}
        with tl.step("take a base backup of the source (pg_basebackup)"):
            scratch.clone_from(source, standby=False)
        with tl.step("restore it to a scratch server"):
            scratch.start()
            ready_at = tl.clock.now()
        probe.stop()
        probe.raise_if_failed()
        with tl.step("compare row counts and ledger checksums") as step:
            copy = self._digest(scratch.server, None)
            original = self._digest(source.server, dict(copy.marks))
            differences = copy.differences(original)
            with psycopg.connect(self.ledger.conninfo(scratch.server)) as conn:
                restored = self.ledger.stored(conn, self.run_id)
            missing = sorted(acked_before - set(restored))
            step.note(tables=len(copy.rows), differences=len(differences), missing=len(missing))
        result.rto_seconds = ready_at - backup_at
        result.rpo_commits = len(missing)
        result.measurements.update(
            restored_rows=dict(copy.rows),
            source_rows_up_to_copy=dict(original.rows),
            payments_acknowledged_before_backup=len(acked_before),
            payments_in_copy=len(restored),
            probe_write_rate_per_s=round(probe.write_rate(), 1),
        )
        result.check(
            "copy holds every payment acknowledged before the backup",
            not missing,
            f"{len(acked_before) - len(missing)} of {len(acked_before)} present",
        )
        result.check(
            "row counts and ledger checksums match the source",
            not differences,
            "; ".join(differences)
            or f"{sum(copy.rows.values())} rows in {len(copy.rows)} tables match",
        )
        result.check(
            "no payment duplicated",
            all(n == 1 for n in restored.values()),
            f"{sum(1 for n in restored.values() if n > 1)} probe keys stored more than once",
        )
        result.judge_targets()

    def _digest(self, server: PostgresServer, upto: dict[str, str | None] | None) -> LedgerDigest:
        with psycopg.connect(self.ledger.conninfo(server)) as conn:
            return self.ledger.digest(conn, upto)

    def _delete_scratch(self, result: ScenarioResult, scratch: Node) -> None:
        with self.timeline.step("delete the scratch server") as step:
            scratch.server.stop("immediate", timeout=10.0)
            shutil.rmtree(scratch.data_dir, ignore_errors=True)
            shutil.rmtree(scratch.server.socket_dir, ignore_errors=True)
            gone = not scratch.running and not scratch.data_dir.exists()
            step.note(deleted=gone)
        result.check(
            "scratch copy deleted",
            gone,
            "scratch server stopped and its data directory removed"
            if gone
            else f"scratch data still at {scratch.data_dir}",
        )
