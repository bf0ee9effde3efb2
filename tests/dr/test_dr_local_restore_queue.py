"""The local restore and queue drills, end to end on PostgreSQL and the AWS emulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from pcizone.dr.local_restore_drill import LocalRestoreDrill
from pcizone.dr.payments_ledger import PaymentsLedger
from pcizone.dr.queue_drill import LocalQueueDrill
from pcizone.dr.targets import DrillTargets
from pcizone.dr.timeline import Timeline

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("no_postmaster_left")]
TARGETS = DrillTargets(rto_seconds=30, rpo_seconds=5, rpo_commits=5)


def test_restore_copy_matches_the_ledger_and_is_deleted(
    timeline: Timeline, pg_template: Path
) -> None:
    result = LocalRestoreDrill(
        PaymentsLedger(),
        TARGETS.for_scenario("restore"),
        timeline,
        template=pg_template,
        server_settings={"fsync": False},
        payments_before_backup=30,
    ).run()

    assert result.error is None, timeline.anomalies
    assert result.passed, result.checks
    rows = result.measurements["restored_rows"]
    assert rows == result.measurements["source_rows_up_to_copy"]
    # Settled payments put real charges and balanced postings into the compared ledger.
    assert rows["charges"] >= 30 and rows["ledger_entries"] == 2 * rows["charges"]
    assert result.measurements["payments_acknowledged_before_backup"] >= 30
    assert result.rpo_commits == 0
    assert result.targets.rto_seconds is None  # a restore's duration is reported, not judged
    assert result.rto_seconds is not None and result.rto_seconds > 0
    deleted = next(s for s in timeline.steps if s.name == "delete the scratch server")
    assert deleted.detail["deleted"] is True


def test_queue_drill_dead_letters_audits_and_redrives_only_unsettled(
    timeline: Timeline, pg_template: Path
) -> None:
    result = LocalQueueDrill(
        TARGETS.for_scenario("queue"),
        timeline,
        max_receive_count=3,
        template=pg_template,
        server_settings={"fsync": False},
        good_payments=5,
        failing_payments=2,
    ).run()

    assert result.error is None, timeline.anomalies
    assert result.passed, [c for c in result.checks if not c.passed]
    m = result.measurements
    assert m["payments_accepted"] == 7
    assert m["payment_statuses"] == {"settled": 7}
    assert m["redrive"]["redriven"] == 2  # exactly the payments of the processor outage
    assert m["redrive"]["skipped"] == 4  # three poison messages and one stale settled copy
    assert m["redrive_completeness"] == 1.0
    assert m["time_to_dlq_seconds"]["count"] == 6  # 3 poison + 2 failing + 1 stale copy
    assert result.rpo_commits == 0
    assert result.rto_seconds is not None and result.rto_seconds < 30
