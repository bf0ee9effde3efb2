"""The local database drills on a real primary and streaming replica (PostgreSQL 15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pcizone.dr.local_cluster import LocalCluster
from pcizone.dr.local_db_drill import LocalDbDrill
from pcizone.dr.payments_ledger import PaymentsLedger
from pcizone.dr.results import ScenarioResult
from pcizone.dr.targets import DrillTargets
from pcizone.dr.timeline import Timeline

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("no_postmaster_left")]

# Generous limits: these tests check behaviour and accounting; the benchmark measures speed.
TARGETS = DrillTargets(rto_seconds=10, rpo_seconds=10, rpo_commits=100)


def drill(scenario: str, timeline: Timeline, template: Path, **options: object) -> LocalDbDrill:
    return LocalDbDrill(
        scenario,
        PaymentsLedger(),
        TARGETS.for_scenario(scenario),
        timeline,
        template=template,
        server_settings={"fsync": False},
        **options,  # type: ignore[arg-type]
    )


def passed(result: ScenarioResult, name: str) -> bool:
    return next(c.passed for c in result.checks if c.name == name)


def test_switchover_loses_nothing_and_rejoins_without_rewind(
    timeline: Timeline, pg_template: Path
) -> None:
    result = drill("db-switchover", timeline, pg_template).run()

    assert result.error is None, timeline.anomalies
    assert result.passed, result.checks
    assert result.rpo_commits == 0
    assert result.rpo_seconds == 0.0
    assert result.targets.rpo_commits == 0
    assert result.rto_seconds is not None and 0 < result.rto_seconds < 10
    acct = result.measurements["accounting"]
    assert acct["acked"] == acct["acked_on_old_writer"] + acct["acked_on_new_writer"]
    assert acct["acked_on_new_writer"] >= 20
    assert acct["missing_seqs"] == [] and acct["duplicated_keys"] == []
    assert result.measurements["rebuild_method"] == "restart as standby"
    assert result.measurements["probe_write_rate_per_s"] > 20
    names = [s.name for s in timeline.steps]
    assert "stop node-a (fast shutdown)" in names
    assert names.index("fault: planned switchover begins") < names.index("promote node-b")
    assert all(s.outcome == "ok" for s in timeline.steps)


def test_failover_accounts_exactly_for_commits_lost_after_a_replication_cut(
    timeline: Timeline, pg_template: Path
) -> None:
    result = drill("db-failover", timeline, pg_template, cut_replication_commits=10).run()

    assert result.error is None, timeline.anomalies
    acct = result.measurements["accounting"]
    lost_after_cut = result.measurements["acked_after_replication_cut"]
    # Everything acknowledged after the standby was cut off is gone, and counted.
    assert lost_after_cut >= 10
    assert result.rpo_commits == len(acct["missing_seqs"]) >= lost_after_cut
    assert passed(result, "every commit after the replication cut is counted as lost")
    # Lost commits are the newest ones on the old writer, none on the new writer.
    assert acct["lost_commits_are_contiguous_tail"] is True
    assert acct["missing_acked_by_new_writer"] == []
    assert acct["acked"] == acct["acked_on_old_writer"] + acct["acked_on_new_writer"]
    assert result.rpo_seconds is not None and result.rpo_seconds > 0
    assert acct["rpo_span_seconds"] <= result.rpo_seconds
    # The retried in-flight payment, if any, was stored once: no duplicates.
    assert acct["duplicated_keys"] == []
    assert result.measurements["rebuild_method"] == "pg_rewind"
    assert passed(result, "old primary rebuilt as a streaming replica")
    assert result.passed, result.checks  # within the generous target of 100


def test_interrupt_after_the_crash_promotes_and_rebuilds_before_teardown(
    timeline: Timeline, pg_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_promote = LocalCluster.promote_standby
    seen: list[bool] = []

    def interrupted(self: LocalCluster) -> None:
        if not seen:  # the first promotion is where the operator presses Ctrl-C
            seen.append(True)
            raise KeyboardInterrupt
        real_promote(self)

    monkeypatch.setattr(LocalCluster, "promote_standby", interrupted)
    result = drill("db-failover", timeline, pg_template).run()

    assert result.interrupted and not result.passed
    restore = next(s for s in timeline.steps if s.name.startswith("restore the topology"))
    assert restore.outcome == "ok"
    assert restore.detail["healthy"] is True
    actions = str(restore.detail["actions"])
    assert "promoted node-b" in actions
    assert "rebuilt node-a as a standby" in actions
    assert timeline.steps[-1].name == "tear down the drill cluster"
    assert timeline.steps[-1].outcome == "ok"
