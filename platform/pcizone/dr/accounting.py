"""RTO and RPO from the probe's record and what the recovered writer actually holds.

RPO is measured on the probe's send times (when the client asked), not its ack times: a
commit sent before the fault and acknowledged, then missing, is data the business lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pcizone.dr.probe import Attempt
from pcizone.dr.results import ScenarioResult


@dataclass(frozen=True)
class Accounting:
    acked: int  # payments the probe saw acknowledged
    acked_on_old: int
    acked_on_new: int
    attempts_failed: int
    missing: tuple[Attempt, ...]  # acknowledged, yet absent on the recovered writer
    missing_on_new: tuple[Attempt, ...]  # acknowledged BY the new writer and absent: never ok
    duplicated: tuple[str, ...]  # idempotency keys stored more than once
    durable_unacked: int  # stored though the client never saw the ack (in-doubt commits)
    contiguous_tail: bool  # the lost commits are the newest on the old writer, without gaps
    rto_seconds: float | None  # fault -> first ack on the new writer
    write_gap_seconds: float | None  # last ack on the old writer -> first ack on the new
    rpo_commits: int
    rpo_seconds: float  # oldest lost commit's send time -> old writer down (0 without loss)
    rpo_span_seconds: float  # send times of the oldest to the newest lost commit

    def as_dict(self) -> dict[str, object]:
        return {
            "acked": self.acked,
            "acked_on_old_writer": self.acked_on_old,
            "acked_on_new_writer": self.acked_on_new,
            "attempts_failed": self.attempts_failed,
            "missing_seqs": [a.seq for a in self.missing],
            "missing_acked_by_new_writer": [a.seq for a in self.missing_on_new],
            "duplicated_keys": list(self.duplicated),
            "durable_but_unacknowledged": self.durable_unacked,
            "lost_commits_are_contiguous_tail": self.contiguous_tail,
            "rto_seconds": self.rto_seconds,
            "write_gap_seconds": self.write_gap_seconds,
            "rpo_commits": self.rpo_commits,
            "rpo_seconds": self.rpo_seconds,
            "rpo_span_seconds": self.rpo_span_seconds,
        }


def account(
    attempts: Sequence[Attempt],
    stored: Mapping[str, int],
    *,
    fault_at: float,
    old_writer: str,
    new_writer: str,
    down_at: float | None = None,
) -> Accounting:
    """`stored` maps each probe idempotency key found on the recovered writer to its row count.

    `fault_at` is when the fault began (RTO counts from it); `down_at`, when the old writer had
    certainly stopped accepting commits (a kill takes a few milliseconds, during which it may
    still acknowledge some). The loss window runs from the oldest lost commit to `down_at`.
    """
    acks = [a for a in attempts if a.ok]
    acked_keys = {a.key for a in acks}
    old = [a for a in acks if a.writer == old_writer]
    new = [a for a in acks if a.writer == new_writer]
    missing = tuple(a for a in acks if a.key not in stored)
    missing_on_new = tuple(a for a in missing if a.writer == new_writer)
    duplicated = tuple(sorted(k for k, n in stored.items() if n > 1))
    durable_unacked = sum(1 for k in stored if k not in acked_keys)

    first_new = next((a for a in new if a.done >= fault_at), None)
    last_old = max((a.done for a in old), default=None)
    rto = None if first_new is None else first_new.done - fault_at
    gap = None if first_new is None or last_old is None else first_new.done - last_old

    lost_old = [a for a in missing if a.writer == old_writer]
    contiguous = _is_tail(old, lost_old)
    if missing:
        first_sent = min(a.sent for a in missing)
        last_sent = max(a.sent for a in missing)
        end = max(fault_at if down_at is None else down_at, last_sent)
        rpo_seconds = end - first_sent
        span = last_sent - first_sent
    else:
        rpo_seconds = span = 0.0
    return Accounting(
        acked=len(acks),
        acked_on_old=len(old),
        acked_on_new=len(new),
        attempts_failed=sum(1 for a in attempts if not a.ok),
        missing=missing,
        missing_on_new=missing_on_new,
        duplicated=duplicated,
        durable_unacked=durable_unacked,
        contiguous_tail=contiguous,
        rto_seconds=rto,
        write_gap_seconds=gap,
        rpo_commits=len(missing),
        rpo_seconds=rpo_seconds,
        rpo_span_seconds=span,
    )


def _is_tail(acked_on_old: Sequence[Attempt], lost: Sequence[Attempt]) -> bool:
    """Asynchronous replication loses the newest commits only: a gap means corruption."""
    if not lost:
        return True
    ordered = sorted(acked_on_old, key=lambda a: a.seq)
    return {a.seq for a in ordered[len(ordered) - len(lost) :]} == {a.seq for a in lost}


def judge(result: ScenarioResult, acct: Accounting) -> None:
    """Puts the measured RTO/RPO on the result and adds the checks every DB drill shares."""
    result.rto_seconds = acct.rto_seconds
    result.rpo_commits = acct.rpo_commits
    result.rpo_seconds = acct.rpo_seconds
    result.measurements["accounting"] = acct.as_dict()
    result.check(
        "no payment duplicated",
        not acct.duplicated,
        f"{len(acct.duplicated)} idempotency key(s) stored more than once",
    )
    result.check(
        "new writer kept its own commits",
        not acct.missing_on_new,
        f"{len(acct.missing_on_new)} commit(s) acknowledged by the new writer are missing",
    )
    result.check(
        "lost commits are the newest ones",
        acct.contiguous_tail,
        f"{acct.rpo_commits} lost; a gap before the newest commit would mean corruption",
    )
    result.judge_targets()
