"""RTO/RPO accounting from probe attempts and what the recovered writer stores."""

from __future__ import annotations

from pcizone.dr.accounting import account, judge
from pcizone.dr.clock import Clock
from pcizone.dr.probe import Attempt
from pcizone.dr.results import ScenarioResult
from pcizone.dr.targets import DrillTargets
from pcizone.dr.timeline import Timeline


def ack(seq: int, sent: float, writer: str, done: float | None = None) -> Attempt:
    return Attempt(seq, f"k-{seq:07d}", sent, sent + 0.002 if done is None else done, writer, True)


def fail(seq: int, sent: float, writer: str) -> Attempt:
    return Attempt(seq, f"k-{seq:07d}", sent, sent + 0.001, writer, False, "OperationalError")


def attempts_with_outage() -> list[Attempt]:
    """Acks 1-10 on A every 10 ms, an outage from t=0.1, then 11-15 on B from t=0.3."""
    old = [ack(i, i * 0.01, "A") for i in range(1, 11)]
    outage = [fail(11, 0.11, "A"), fail(11, 0.2, "A")]
    new = [ack(i, 0.3 + (i - 11) * 0.01, "B") for i in range(11, 16)]
    return old + outage + new


def test_no_loss_gives_rpo_zero_and_rto_from_fault_to_first_new_ack() -> None:
    attempts = attempts_with_outage()
    stored = {a.key: 1 for a in attempts if a.ok}

    acct = account(attempts, stored, fault_at=0.105, old_writer="A", new_writer="B")

    assert (acct.acked, acct.acked_on_old, acct.acked_on_new) == (15, 10, 5)
    assert acct.attempts_failed == 2
    assert acct.rpo_commits == 0 and acct.rpo_seconds == 0.0
    assert acct.rto_seconds is not None and abs(acct.rto_seconds - (0.302 - 0.105)) < 1e-9
    assert acct.write_gap_seconds is not None and abs(acct.write_gap_seconds - 0.2) < 1e-9


def test_lost_tail_is_counted_on_send_times_up_to_when_the_writer_was_down() -> None:
    attempts = attempts_with_outage()
    stored = {a.key: 1 for a in attempts if a.ok and a.seq not in (8, 9, 10)}

    acct = account(attempts, stored, fault_at=0.105, old_writer="A", new_writer="B", down_at=0.12)

    assert [a.seq for a in acct.missing] == [8, 9, 10]
    assert acct.rpo_commits == 3
    assert acct.contiguous_tail
    assert abs(acct.rpo_seconds - (0.12 - 0.08)) < 1e-9  # oldest lost send -> writer down
    assert abs(acct.rpo_span_seconds - 0.02) < 1e-9
    assert acct.missing_on_new == ()


def test_a_hole_before_the_newest_commit_and_duplicates_are_flagged() -> None:
    attempts = attempts_with_outage()
    stored = {a.key: 1 for a in attempts if a.ok and a.seq != 4}
    stored["k-0000012"] = 2  # stored twice: the idempotency key did not hold
    stored["k-0000011"] = 1

    acct = account(attempts, stored, fault_at=0.105, old_writer="A", new_writer="B")

    assert not acct.contiguous_tail
    assert acct.duplicated == ("k-0000012",)
    result = ScenarioResult(
        "db-failover", "local", DrillTargets(5, 5, 5).for_scenario("db-failover"), Timeline(Clock())
    )
    judge(result, acct)
    failed = {c.name for c in result.checks if not c.passed}
    assert failed == {"no payment duplicated", "lost commits are the newest ones"}
    assert not result.passed


def test_commits_acknowledged_by_the_new_writer_must_never_be_missing() -> None:
    attempts = attempts_with_outage()
    stored = {a.key: 1 for a in attempts if a.ok and a.seq != 15}

    acct = account(attempts, stored, fault_at=0.105, old_writer="A", new_writer="B")

    assert [a.seq for a in acct.missing_on_new] == [15]


def test_in_doubt_commits_that_landed_are_counted_not_lost() -> None:
    attempts = attempts_with_outage()
    stored = {a.key: 1 for a in attempts if a.ok}
    stored["k-0000099"] = 1  # committed, but the ack never reached the client

    acct = account(attempts, stored, fault_at=0.105, old_writer="A", new_writer="B")

    assert acct.durable_unacked == 1 and acct.rpo_commits == 0


def test_targets_are_judged_against_measured_values() -> None:
    result = ScenarioResult(
        "db-failover",
        "local",
        DrillTargets(1.0, 0.5, 3).for_scenario("db-failover"),
        Timeline(Clock()),
    )
    result.rto_seconds, result.rpo_commits, result.rpo_seconds = 1.2, 4, 0.2
    result.judge_targets()
    verdict = {c.name: c.passed for c in result.checks}
    assert verdict == {
        "rto within target": False,
        "rpo commits within target": False,
        "rpo time within target": True,
    }
    assert not result.passed
