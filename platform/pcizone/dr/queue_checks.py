"""The queue drill's verdict: dead-lettering, auditing, redrive and the ledger, checked."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

import psycopg
from payments import ledger
from payments.ops.redrive import RedriveReport
from payments.processor.fake import journal_summary

from pcizone.dr.results import ScenarioResult


@dataclass(frozen=True)
class QueueObservations:
    """What the drill observed, for judging."""

    good: list[str]
    failing: list[str]
    stale: str
    letters: dict[str, tuple[str | None, str]]
    failures: Counter[str]
    to_dlq: list[float]
    dry: RedriveReport
    dry_run_changed_nothing: bool
    report: RedriveReport


def judge_queue(
    result: ScenarioResult,
    dsn: str,
    seen: QueueObservations,
    max_receive_count: int,
    poison: int,
) -> None:
    """The queue drill's checks, from what it observed and what the ledger holds now.

    `poison` is how many poison messages were injected: two malformed, one naming an unknown
    payment (the drill's POISON_BODIES).
    """
    n = max_receive_count
    good, failing, stale, letters = seen.good, seen.failing, seen.stale, seen.letters
    failures, to_dlq, dry, report = seen.failures, seen.to_dlq, seen.dry, seen.report
    worker_dead = [m for m in letters if failures[m] > 0]
    result.check(
        "bad messages reached the DLQ after maxReceiveCount receives",
        len(worker_dead) == poison + len(failing) and all(failures[m] == n for m in worker_dead),
        f"{len(worker_dead)} dead-lettered by the queue, receives per message:"
        f" {sorted(set(failures[m] for m in worker_dead))} (maxReceiveCount {n})",
    )
    reasons = Counter(_reason_kind(reason) for _pid, reason in letters.values())
    expected = Counter(malformed=2, unknown=1, pending=len(failing), final=1)
    result.check(
        "the auditor recorded every dead letter with its reason",
        reasons == expected,
        f"recorded {dict(reasons)}, expected {dict(expected)}",
    )
    result.check(
        "the dry run would redrive exactly the unsettled payments and changed nothing",
        {i.payment_id for i in dry.redriven} == set(failing) and seen.dry_run_changed_nothing,
        f"would redrive {len(dry.redriven)}, skip {len(dry.skipped)}; dead letters and"
        f" payments {'unchanged' if seen.dry_run_changed_nothing else 'CHANGED'}",
    )
    redriven = {i.payment_id for i in report.redriven}
    skipped_settled = any(i.payment_id == stale for i in report.skipped)
    result.check(
        "the redrive re-sent only unsettled payments",
        redriven == set(failing) and skipped_settled,
        f"re-sent {len(redriven)} of {len(failing)} unsettled; skipped {len(report.skipped)}"
        f" (poison and the settled payment's stale copy)",
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        accepted = good + failing
        statuses = statuses_of(dsn, accepted)
        unbalanced = ledger.unbalanced_payments(conn)
        inconsistent = ledger.settled_without_posting(conn)
        row = conn.execute(
            "SELECT count(*), count(DISTINCT payment_id) FROM charges WHERE payment_id = ANY(%s)",
            (accepted,),
        ).fetchone()
        journal = journal_summary(conn)
    charges, charged = (int(row[0]), int(row[1])) if row else (0, 0)
    result.check(
        "no double charge",
        charges == charged == len(accepted)
        and not journal.double_charged
        and not unbalanced
        and not inconsistent,
        f"{charges} charges for {len(accepted)} payments; processor double charges:"
        f" {len(journal.double_charged)}; unbalanced postings: {len(unbalanced)};"
        f" settled without posting: {len(inconsistent)}",
    )
    lost = len(accepted) - statuses.get("settled", 0)
    result.rpo_commits = lost
    result.rpo_seconds = 0.0 if lost == 0 else None
    result.measurements.update(
        max_receive_count=n,
        time_to_dlq_seconds=_spread(to_dlq),
        redrive_completeness=round(len(redriven & set(failing)) / len(failing), 4)
        if failing
        else 1.0,
        redrive=report.as_dict() | {"items": len(report.items)},
        payments_accepted=len(accepted),
        payment_statuses=statuses,
    )
    result.judge_targets()


def statuses_of(dsn: str, ids: list[str]) -> dict[str, int]:
    """How many of the payments `ids` are in each status."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT status, count(*) FROM payments WHERE id = ANY(%s) GROUP BY status", (ids,)
        ).fetchall()
    return {str(s): int(c) for s, c in rows}


def _reason_kind(reason: str) -> str:
    if reason.startswith("malformed"):
        return "malformed"
    if reason.startswith("unknown"):
        return "unknown"
    if reason.startswith("payment still pending"):
        return "pending"
    return "final" if reason.startswith("payment already") else reason


def _spread(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"count": 0, "min": None, "median": None, "max": None}
    return {
        "count": len(values),
        "min": round(min(values), 3),
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }
