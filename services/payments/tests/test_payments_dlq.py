"""The DLQ auditor (records, alerts, never re-enqueues) and the safe redrive operation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from payments import auditor, worker
from payments.app import App
from payments.ops.redrive import redrive
from payments.processor.fake import journal_summary


def _create(kit: Any, app: App, key: str, **overrides: Any) -> str:
    return str(json.loads(kit.post_payment(app, key, **overrides)["body"])["id"])


def _drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        VisibilityTimeout=60,
        MessageSystemAttributeNames=["All"],
    ).get("Messages"):
        messages += batch
    return messages


def _settle(make_app: Any, payment_id: str) -> None:
    record = {"messageId": f"settle-{payment_id}", "body": json.dumps({"payment_id": payment_id})}
    assert worker.handle(make_app("worker"), {"Records": [record]}) == {"batchItemFailures": []}


def test_the_auditor_records_alerts_and_never_enqueues(
    make_app: Any, kit: Any, sqs: Any, queues: Any, conn: Any, logs: Any
) -> None:
    api_app = make_app("api")
    pending = _create(kit, api_app, "k-pending")
    settled = _create(kit, api_app, "k-settled")
    _settle(make_app, settled)
    _drain(sqs, queues.url)  # the API's own messages: not part of this test
    event = kit.sqs_event(
        [
            {"MessageId": "d-1", "ReceiptHandle": "r1", "Body": json.dumps({"payment_id": pending}),
             "Attributes": {"ApproximateReceiveCount": "3", "SentTimestamp": "1700000000000",
                            "ApproximateFirstReceiveTimestamp": "1700000001000"}},
            {"MessageId": "d-2", "ReceiptHandle": "r2", "Body": json.dumps({"payment_id": settled}),
             "Attributes": {"ApproximateReceiveCount": "5"}},
            {"MessageId": "d-3", "ReceiptHandle": "r3", "Body": "{oops",
             "Attributes": {"ApproximateReceiveCount": "3"}},
            {"MessageId": "d-4", "ReceiptHandle": "r4", "Body": json.dumps({"payment_id": "pay_" + "b" * 26}),
             "Attributes": {"ApproximateReceiveCount": "3"}},
        ]
    )  # fmt: skip
    app = make_app("dlq_auditor")
    assert auditor.handle(app, event) == {"batchItemFailures": []}
    rows = conn.execute(
        "SELECT message_id, payment_id, reason, receive_count, first_received_at IS NOT NULL,"
        " resolution, times_seen FROM dead_letters ORDER BY message_id"
    ).fetchall()
    assert rows == [
        ("d-1", pending, "payment still pending after 3 receives", 3, True, "open", 1),
        ("d-2", settled, "payment already settled", 5, False, "open", 1),
        ("d-3", None, "malformed message body", 3, False, "open", 1),
        ("d-4", "pay_" + "b" * 26, "unknown payment", 3, False, "open", 1),
    ]
    alerts = logs.named("dead_letter")
    assert [(a["message_id"], a["alert"], a["level"]) for a in alerts] == [
        ("d-1", True, "error"), ("d-2", True, "error"), ("d-3", True, "error"), ("d-4", True, "error"),
    ]  # fmt: skip
    assert alerts[0]["first_received_at"] == "2023-11-14T22:13:21+00:00"
    # Seen again (a redelivery of the DLQ message): refreshed, not duplicated.
    assert auditor.handle(app, {"Records": event["Records"][:1]}) == {"batchItemFailures": []}
    assert conn.execute(
        "SELECT times_seen FROM dead_letters WHERE message_id = 'd-1'"
    ).fetchone() == (2,)
    assert _drain(sqs, queues.url) == []  # nothing was put back on the queue
    assert "sender" not in app.__dict__  # the auditor never even built an SQS sender


def _dead_letter_scene(make_app: Any, kit: Any, sqs: Any, queues: Any) -> dict[str, str]:
    """Payments in every state, and their messages on the DLQ."""
    api_app = make_app("api")
    ids = {
        "pending": _create(kit, api_app, "k-1"),
        "settled": _create(kit, api_app, "k-2"),
        "declined": _create(kit, api_app, "k-3", payment_method="tok_chargeDeclined"),
    }
    _settle(make_app, ids["settled"])
    _settle(make_app, ids["declined"])
    _drain(sqs, queues.url)
    bodies = [
        json.dumps({"payment_id": ids["pending"]}),
        json.dumps({"payment_id": ids["pending"]}),  # a duplicate of the same payment
        json.dumps({"payment_id": ids["settled"]}),
        json.dumps({"payment_id": ids["declined"]}),
        json.dumps({"payment_id": "pay_" + "c" * 26}),
        "garbage",
    ]
    for body in bodies:
        sqs.send_message(QueueUrl=queues.dlq_url, MessageBody=body)
    return ids


def test_redrive_resends_only_unsettled_payments_and_reports_the_rest(
    make_app: Any, kit: Any, sqs: Any, queues: Any, conn: Any
) -> None:
    ids = _dead_letter_scene(make_app, kit, sqs, queues)

    dry = redrive(conn, sqs, queues.dlq_url, queues.url, dry_run=True)
    assert [(i.payment_id, i.action) for i in dry.redriven] == [(ids["pending"], "would_redrive")]
    assert len(dry.skipped) == 5
    assert _drain(sqs, queues.url) == []  # a dry run sends nothing ...
    assert conn.execute("SELECT count(*) FROM dead_letters").fetchone() == (
        0,
    )  # ... writes nothing
    visible = sqs.get_queue_attributes(
        QueueUrl=queues.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert visible == "6"  # ... and leaves every message visible on the DLQ

    report = redrive(conn, sqs, queues.dlq_url, queues.url, dry_run=False)
    reasons = sorted((i.payment_id or "-", i.reason) for i in report.skipped)
    assert reasons == sorted(
        [
            (
                ids["pending"],
                f"already redriven in this run (message {report.redriven[0].message_id})",
            ),
            (ids["settled"], "already settled"),
            (ids["declined"], "already declined"),
            ("pay_" + "c" * 26, "unknown payment"),
            ("-", "malformed message: it names no payment"),
        ]
    )
    requeued = _drain(sqs, queues.url)
    assert [json.loads(m["Body"]) for m in requeued] == [{"payment_id": ids["pending"]}]
    assert _drain(sqs, queues.dlq_url) == []
    resolutions = conn.execute(
        "SELECT resolution, count(*) FROM dead_letters GROUP BY resolution ORDER BY resolution"
    ).fetchall()
    assert resolutions == [("redriven", 1), ("skipped", 5)]
    # The redriven message settles the payment; nothing was charged twice.
    for message in requeued:
        sqs.change_message_visibility(
            QueueUrl=queues.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    app = make_app("worker")
    kit.drive_queue(sqs, queues.url, lambda e: worker.handle(app, e))
    assert conn.execute(
        "SELECT status FROM payments WHERE id = %s", (ids["pending"],)
    ).fetchone() == ("settled",)
    assert journal_summary(conn).double_charged == ()
    assert report.lines()[0] == "redriven: 1, skipped: 5"


def test_redrive_also_covers_dead_letters_the_auditor_took_off_the_dlq(
    make_app: Any, kit: Any, sqs: Any, queues: Any, conn: Any
) -> None:
    api_app = make_app("api")
    pending = _create(kit, api_app, "k-1")
    _drain(sqs, queues.url)
    record = {"messageId": "dlq-1", "body": json.dumps({"payment_id": pending}), "attributes": {}}
    auditor.handle(make_app("dlq_auditor"), {"Records": [record]})  # the DLQ itself is now empty
    report = redrive(conn, sqs, queues.dlq_url, queues.url, dry_run=False)
    assert [(i.message_id, i.action) for i in report.items] == [("dlq-1", "redriven")]
    assert [json.loads(m["Body"])["payment_id"] for m in _drain(sqs, queues.url)] == [pending]
    again = redrive(conn, sqs, queues.dlq_url, queues.url, dry_run=False)
    assert again.items == []  # resolved dead letters are not redriven twice


def test_a_pending_payment_with_a_charge_is_left_for_a_human(
    make_app: Any, kit: Any, sqs: Any, queues: Any, conn: Any, postgres_server: Any, db: Any
) -> None:
    pending = _create(kit, make_app("api"), "k-1")
    with postgres_server.connect(db.name) as admin:  # forge the inconsistency as a superuser
        admin.execute(
            "INSERT INTO charges (payment_id, processor, processor_charge_id, idempotency_key,"
            " amount_minor, currency) VALUES (%s, 'fake', 'ch_x', 'k', 1250, 'EUR')",
            (pending,),
        )
    _drain(sqs, queues.url)
    sqs.send_message(QueueUrl=queues.dlq_url, MessageBody=json.dumps({"payment_id": pending}))
    report = redrive(conn, sqs, queues.dlq_url, queues.url, dry_run=False)
    assert [(i.action, i.reason) for i in report.items] == [
        ("skipped", "pending but the ledger holds a charge: investigate")
    ]
    assert _drain(sqs, queues.url) == []


def test_a_payment_pending_beyond_the_processors_key_window_is_left_for_a_human(
    make_app: Any, kit: Any, sqs: Any, queues: Any, conn: Any, postgres_server: Any, db: Any
) -> None:
    old, fresh = (_create(kit, make_app("api"), f"k-{n}") for n in (1, 2))
    with postgres_server.connect(db.name) as admin:  # a payment accepted a day ago
        admin.execute(
            "UPDATE payments SET created_at = now() - interval '23 hours 1 minute' WHERE id = %s",
            (old,),
        )
    _drain(sqs, queues.url)
    for payment_id in (old, fresh):
        sqs.send_message(
            QueueUrl=queues.dlq_url, MessageBody=json.dumps({"payment_id": payment_id})
        )
    report = redrive(conn, sqs, queues.dlq_url, queues.url, dry_run=False)
    assert sorted((i.payment_id, i.action, i.reason) for i in report.items) == sorted(
        [
            (
                old,
                "skipped",
                "pending for over 23 h, beyond the processor's idempotency window:"
                " look the payment up at the processor before re-sending",
            ),
            (fresh, "redriven", "pending and not charged: re-sent to the queue"),
        ]
    )
    assert [json.loads(m["Body"])["payment_id"] for m in _drain(sqs, queues.url)] == [fresh]


def test_redrive_cli(
    make_app: Any, kit: Any, sqs: Any, queues: Any, db: Any, moto_endpoint: str
) -> None:
    _dead_letter_scene(make_app, kit, sqs, queues)
    env = {**os.environ, "AWS_ENDPOINT_URL": moto_endpoint, "AWS_REGION": "us-east-1"}
    command = [sys.executable, "-m", "payments.ops.redrive", "--dlq-url", queues.dlq_url,
               "--queue-url", queues.url, "--dsn", db.dsn]  # fmt: skip
    dry = subprocess.run(
        [*command, "--dry-run", "--json"], env=env, capture_output=True, text=True, check=False
    )
    assert dry.returncode == 0, dry.stderr
    summary = json.loads(dry.stdout)
    assert (summary["dry_run"], summary["redriven"], summary["skipped"]) == (True, 1, 5)
    real = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert real.returncode == 0, real.stderr
    assert real.stdout.splitlines()[0] == "redriven: 1, skipped: 5"
    broken = subprocess.run(
        [*command[:-1], "host=127.0.0.1 port=1 dbname=x user=x connect_timeout=2"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert broken.returncode == 1
    assert broken.stderr.startswith("redrive: ") and broken.stderr.count("\n") == 1
