"""The worker under at-least-once delivery: batches, partial failures, duplicates, crashes,
poison messages and processor faults. The fake processor's journal is the witness: no payment
may ever be charged twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from typing import Any

import pytest
from payments import ledger, worker
from payments.app import App
from payments.messages import InvalidBatch
from payments.ops.redrive import redrive
from payments.processor.base import (
    ChargeRequest,
    ChargeResult,
    ProcessorTimeout,
    RetryableProcessorError,
)
from payments.processor.fake import journal_summary


def _create(kit: Any, app: App, count: int, **overrides: Any) -> list[str]:
    return [
        json.loads(kit.post_payment(app, f"key-{i}-{overrides}", **overrides)["body"])["id"]
        for i in range(count)
    ]


def _status(conn: Any, payment_id: str) -> str:
    return str(
        conn.execute("SELECT status FROM payments WHERE id = %s", (payment_id,)).fetchone()[0]
    )


def _record(
    message_id: str, payment_id: str | None = None, body: str | None = None
) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "body": body if body is not None else json.dumps({"payment_id": payment_id}),
        "attributes": {"ApproximateReceiveCount": "1"},
    }


def test_a_batch_settles_every_payment(
    make_app: Any, kit: Any, sqs: Any, queues: Any, conn: Any
) -> None:
    ids = _create(kit, make_app("api"), 12)
    app = make_app("worker")
    responses = kit.drive_queue(sqs, queues.url, lambda e: worker.handle(app, e))
    assert [len(r["batchItemFailures"]) for r in responses] == [0, 0]  # batches of 10 and 2
    assert {_status(conn, i) for i in ids} == {"settled"}
    assert ledger.trial_balance(conn) == {
        "EUR": {"merchant_payable": -12 * 1250, "processor_clearing": 12 * 1250}
    }
    assert ledger.settled_without_posting(conn) == []
    summary = journal_summary(conn)
    assert (summary.succeeded, summary.double_charged) == (12, ())
    history = conn.execute(
        "SELECT array_agg(event ORDER BY id) FROM payment_events WHERE payment_id = %s", (ids[0],)
    ).fetchone()[0]
    assert history == ["created", "charge_succeeded"]


class _FailFor:
    """Wraps a processor; answers a 503 for one payment."""

    name = "fake"

    def __init__(self, inner: Any, payment_id: str) -> None:
        self.inner, self.payment_id = inner, payment_id

    def charge(self, request: ChargeRequest) -> ChargeResult:
        if request.payment_id == self.payment_id:
            raise RetryableProcessorError("processor answered HTTP 503")
        result: ChargeResult = self.inner.charge(request)
        return result


def test_partial_batch_failure_names_exactly_the_failed_records(
    make_app: Any, kit: Any, conn: Any, logs: Any
) -> None:
    ok_1, flaky, ok_2 = _create(kit, make_app("api"), 3)
    plain = make_app("worker")
    app = make_app("worker", processor=_FailFor(plain.processor, flaky))
    event = {
        "Records": [
            _record("m-ok-1", ok_1),
            _record("m-malformed", body="{not json"),
            _record("m-unknown", "pay_" + "z" * 26),
            _record("m-flaky", flaky),
            _record("m-ok-2", ok_2),
            _record("m-not-ours", body=json.dumps({"payment_id": 42})),
        ]
    }
    response = worker.handle(app, event)
    assert response == {
        "batchItemFailures": [
            {"itemIdentifier": "m-malformed"},
            {"itemIdentifier": "m-unknown"},
            {"itemIdentifier": "m-flaky"},
            {"itemIdentifier": "m-not-ours"},
        ]
    }
    assert [_status(conn, p) for p in (ok_1, flaky, ok_2)] == ["settled", "pending", "settled"]
    flaky_history = conn.execute(
        "SELECT event, detail FROM payment_events WHERE payment_id = %s ORDER BY id", (flaky,)
    ).fetchall()
    assert flaky_history[-1] == ("charge_retry", "processor answered HTTP 503")
    outcomes = {e["message_id"]: e["outcome"] for e in logs.named("message_processed")}
    assert outcomes == {
        "m-ok-1": "settled", "m-malformed": "poison", "m-unknown": "poison",
        "m-flaky": "retry", "m-ok-2": "settled", "m-not-ours": "poison",
    }  # fmt: skip


def test_a_record_without_message_id_fails_the_whole_batch_untouched(
    make_app: Any, kit: Any, conn: Any
) -> None:
    (payment,) = _create(kit, make_app("api"), 1)
    app = make_app("worker")
    for bad in ({"Records": [_record("m-1", payment), {"body": "{}"}]},
                {"Records": [_record("", payment)]}, {"Records": "x"}, {}):  # fmt: skip
        with pytest.raises(InvalidBatch):
            worker.handle(app, bad)
    assert _status(conn, payment) == "pending"  # nothing was processed


def test_duplicate_deliveries_charge_once(make_app: Any, kit: Any, conn: Any) -> None:
    (payment,) = _create(kit, make_app("api"), 1)
    app = make_app("worker")
    same_batch = {"Records": [_record("m-1", payment), _record("m-2", payment)]}
    assert worker.handle(app, same_batch) == {"batchItemFailures": []}
    assert worker.handle(app, {"Records": [_record("m-3", payment)]}) == {"batchItemFailures": []}
    summary = journal_summary(conn)
    assert (summary.requests, summary.succeeded) == (1, 1)  # later copies never reached it
    assert conn.execute("SELECT count(*) FROM ledger_entries").fetchone() == (2,)


def test_concurrent_deliveries_charge_once(make_app: Any, kit: Any, conn: Any) -> None:
    # Without a journal yet, the four containers also race to create it (a deadlock once).
    conn.execute("DROP SCHEMA IF EXISTS fake_processor CASCADE")
    payments = _create(kit, make_app("api"), 5)
    apps = [make_app("worker") for _ in range(4)]
    barrier = threading.Barrier(len(apps))
    responses: list[dict[str, Any]] = []

    def deliver(app: App, copy: int) -> None:
        barrier.wait()
        records = [_record(f"m-{copy}-{p}", p) for p in payments]
        responses.append(worker.handle(app, {"Records": records}))

    threads = [threading.Thread(target=deliver, args=(a, n)) for n, a in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {_status(conn, p) for p in payments} == {"settled"}
    summary = journal_summary(conn)
    assert (summary.succeeded, summary.double_charged) == (5, ())
    # A copy that found the payment locked was handed back to SQS, never charged.
    retried = sum(len(r["batchItemFailures"]) for r in responses)
    assert summary.requests == 5 and retried <= 15


CRASHING_WORKER = textwrap.dedent(
    """
    import json, os, sys
    from payments import worker
    from payments.app import App
    from payments.config import load_settings

    class CrashAfterCharge:
        # Charges for real, then dies before the worker can commit or acknowledge.
        name = "fake"
        def __init__(self, inner):
            self.inner = inner
        def charge(self, request):
            self.inner.charge(request)
            os._exit(137)

    app = App(load_settings(), "worker")
    app = App(app.settings, "worker", processor=CrashAfterCharge(app.processor))
    worker.handle(app, json.loads(sys.argv[1]))
    """
)


def test_a_crash_between_charge_and_commit_never_double_charges(
    make_app: Any, kit: Any, db: Any, conn: Any
) -> None:
    (payment,) = _create(kit, make_app("api"), 1)
    event = {"Records": [_record("m-1", payment)]}
    child = subprocess.run(
        [sys.executable, "-c", CRASHING_WORKER, json.dumps(event)],
        env={**os.environ, **db.env()},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 137, child.stderr
    assert _status(conn, payment) == "pending"  # the worker's transaction died with it
    assert journal_summary(conn).succeeded == 1  # but the processor took the money
    # SQS redelivers the unacknowledged message; the payment's key finds the first charge.
    assert worker.handle(make_app("worker"), event) == {"batchItemFailures": []}
    assert _status(conn, payment) == "settled"
    summary = journal_summary(conn)
    assert (summary.requests, summary.charges, summary.double_charged) == (2, 1, ())
    assert conn.execute(
        "SELECT count(*) FROM ledger_entries WHERE payment_id = %s", (payment,)
    ).fetchone() == (2,)


def test_a_crash_after_commit_before_the_ack_is_acknowledged_on_redelivery(
    make_app: Any, kit: Any, conn: Any
) -> None:
    (payment,) = _create(kit, make_app("api"), 1)
    event = {"Records": [_record("m-1", payment)]}
    assert worker.handle(make_app("worker"), event) == {"batchItemFailures": []}
    # The delete never reached SQS: the same message arrives again, in another container.
    assert worker.handle(make_app("worker"), event) == {"batchItemFailures": []}
    assert journal_summary(conn).requests == 1


def test_a_poison_message_reaches_the_dlq_after_max_receives(
    make_app: Any, kit: Any, sqs: Any, queues: Any
) -> None:
    app = make_app("worker")
    sqs.send_message(QueueUrl=queues.url, MessageBody="{definitely not json")
    sqs.send_message(QueueUrl=queues.url, MessageBody=json.dumps({"payment_id": "pay_" + "q" * 26}))
    responses = kit.drive_queue(sqs, queues.url, lambda e: worker.handle(app, e))
    assert len(responses) == queues.max_receive_count  # received 3 times, then moved
    assert all(len(r["batchItemFailures"]) == 2 for r in responses)
    dead = sqs.receive_message(
        QueueUrl=queues.dlq_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert sorted(m["Body"][:5] for m in dead) == ['{"pay', "{defi"]
    assert sqs.receive_message(QueueUrl=queues.url).get("Messages") is None


def test_declined_payments_are_final_and_post_nothing(make_app: Any, kit: Any, conn: Any) -> None:
    (payment,) = _create(kit, make_app("api"), 1, payment_method="tok_chargeDeclined")
    assert worker.handle(make_app("worker"), {"Records": [_record("m", payment)]}) == {
        "batchItemFailures": []
    }
    assert _status(conn, payment) == "declined"
    assert conn.execute("SELECT count(*) FROM ledger_entries").fetchone() == (0,)
    assert conn.execute(
        "SELECT detail FROM payment_events ORDER BY id DESC LIMIT 1"
    ).fetchone() == ("card_declined",)


def test_faulty_processor_still_charges_each_payment_at_most_once(
    make_app: Any, kit: Any, sqs: Any, queues: Any, conn: Any
) -> None:
    """30% 5xx, 20% timeouts (half of them after charging), 5% declines; then redrive what
    reached the DLQ until every payment is final. The journal must show no double charge."""
    ids = _create(kit, make_app("api"), 30)
    faults = "seed=11,error=0.3,timeout=0.2,decline=0.05"
    app = make_app("worker", env={"PAYMENTS_FAKE_FAULTS": faults})
    for _round in range(10):
        kit.drive_queue(sqs, queues.url, lambda e: worker.handle(app, e))
        report = redrive(conn, sqs, queues.dlq_url, queues.url, dry_run=False)
        if not report.redriven:
            break
    statuses = [_status(conn, i) for i in ids]
    assert set(statuses) <= {"settled", "declined"} and "pending" not in statuses
    summary = journal_summary(conn)
    assert summary.double_charged == ()
    assert summary.succeeded == statuses.count("settled")
    assert summary.requests > len(ids)  # faults forced retries
    assert ledger.unbalanced_payments(conn) == [] and ledger.settled_without_posting(conn) == []


class _TimeoutAfterCharging:
    """Charges through the real fake processor, then loses the answer, `times` times."""

    name = "fake"

    def __init__(self, inner: Any, times: int) -> None:
        self.inner, self.left = inner, times

    def charge(self, request: ChargeRequest) -> ChargeResult:
        result: ChargeResult = self.inner.charge(request)
        if self.left > 0:
            self.left -= 1
            raise ProcessorTimeout("processor timed out")
        return result


def test_a_timeout_after_the_charge_dead_letters_pending_and_redrive_posts_the_charge(
    make_app: Any, kit: Any, sqs: Any, queues: Any, conn: Any
) -> None:
    (payment,) = _create(kit, make_app("api"), 1)
    plain = make_app("worker")
    lossy = make_app("worker", processor=_TimeoutAfterCharging(plain.processor, 99))
    kit.drive_queue(sqs, queues.url, lambda e: worker.handle(lossy, e))  # until the DLQ takes it
    assert _status(conn, payment) == "pending"  # never "failed": the money may have been taken
    events = conn.execute(
        "SELECT event FROM payment_events WHERE payment_id = %s ORDER BY id", (payment,)
    ).fetchall()
    assert events == [("created",)] + [("charge_unknown",)] * queues.max_receive_count
    assert journal_summary(conn).succeeded == 1  # the processor did charge, once
    assert conn.execute("SELECT count(*) FROM charges").fetchone() == (0,)  # not yet posted
    report = redrive(conn, sqs, queues.dlq_url, queues.url, dry_run=False)
    assert [(i.payment_id, i.action) for i in report.items] == [(payment, "redriven")]
    kit.drive_queue(sqs, queues.url, lambda e: worker.handle(plain, e))
    assert _status(conn, payment) == "settled"
    processor = conn.execute(
        "SELECT payment_id, charge_id FROM fake_processor.charges WHERE outcome = 'succeeded'"
    ).fetchall()
    posted = conn.execute("SELECT payment_id, processor_charge_id FROM charges").fetchall()
    assert processor == posted == [(payment, processor[0][1])]
    summary = journal_summary(conn)
    assert (summary.requests, summary.charges, summary.double_charged) == (
        queues.max_receive_count + 1,
        1,
        (),
    )


def test_a_connection_the_server_dropped_is_replaced_within_the_delivery(
    make_app: Any, kit: Any, conn: Any, postgres_server: Any, db: Any, logs: Any
) -> None:
    first, second = _create(kit, make_app("api"), 2)
    app = make_app("worker")
    assert worker.handle(app, {"Records": [_record("m-1", first)]}) == {"batchItemFailures": []}
    with postgres_server.connect(db.name) as admin:  # as a restart or failover would
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'payments-worker'"
        )
    assert worker.handle(app, {"Records": [_record("m-2", second)]}) == {"batchItemFailures": []}
    assert _status(conn, second) == "settled"
    # Both dropped: the worker's own connection, then the fake processor's journal one.
    assert len(logs.named("database_connection_lost")) == 2
    assert journal_summary(conn).double_charged == ()
