"""The DLQ auditor: records each dead message and raises an alert. It never re-enqueues.

Runs on the dead-letter queue. Each message is classified against the database (malformed,
unknown payment, still pending, already final), recorded in `dead_letters` (a redelivered
message refreshes its row instead of adding one), and logged as an `alert` event at error
level for the alarm to page on. Putting a payment back on the queue is a human decision taken
through `payments.ops.redrive`, which checks the ledger first; this function's role has no
permission to send messages at all.
"""

from __future__ import annotations

from payments import dead_letters
from payments.app import App
from payments.logging import bind_correlation, clear_correlation
from payments.messages import InvalidBatch, batch_records


def handle(app: App, event: object, context: object = None) -> dict[str, list[dict[str, str]]]:
    clear_correlation()
    try:
        records = batch_records(event)
    except InvalidBatch as exc:
        app.log.error("invalid_batch", reason=str(exc))
        raise
    failed: list[str] = []
    for record in records:
        message_id = str(record["messageId"])
        clear_correlation()
        bind_correlation(message_id=message_id)
        try:
            # No explicit transaction: the one write commits on its own, and the read before
            # it would see committed data either way (READ COMMITTED). A poison message, the
            # usual dead letter, costs one round trip instead of three.
            with app.db.session() as conn:
                letter = dead_letters.from_lambda_record(conn, record)
                first_time = dead_letters.record(conn, letter)
        except Exception:  # stays on the DLQ and is audited again on its next delivery
            app.log.exception("dead_letter_not_recorded")
            if message_id not in failed:
                failed.append(message_id)
            continue
        bind_correlation(payment_id=letter.payment_id)
        app.log.error(
            "dead_letter",
            alert=True,
            reason=letter.reason,
            receive_count=letter.receive_count,
            first_received_at=letter.first_received_at.isoformat()
            if letter.first_received_at
            else None,
            first_time=first_time,
        )
    clear_correlation()
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}
