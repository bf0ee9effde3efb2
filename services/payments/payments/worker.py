"""The worker: settles the payments named by a batch of SQS messages.

Returns `{"batchItemFailures": [{"itemIdentifier": <messageId>}, ...]}` naming exactly the
records to deliver again (the event source mapping needs ReportBatchItemFailures). AWS treats
a response with an empty, null or unknown identifier as a failure of the whole batch, so this
never returns one: a batch holding a record without a messageId is failed as a whole by
raising, before any record is processed. Poison messages (malformed body, unknown payment) are
reported as failures like any other, so the queue's redrive policy moves them to the DLQ after
maxReceiveCount receives instead of retrying them forever.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from payments.app import App
from payments.logging import bind_correlation, clear_correlation
from payments.messages import InvalidBatch, batch_records, payment_id_of, receive_count
from payments.settlement import Outcome, settle


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
        outcome = _process(app, record)
        app.log.info(
            "message_processed",
            outcome=outcome.kind,
            detail=outcome.detail,
            receive_count=receive_count(record),
        )
        if not outcome.acknowledged and message_id not in failed:
            failed.append(message_id)
    clear_correlation()
    app.log.info("batch_processed", records=len(records), failed=len(failed))
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}


def _process(app: App, record: Mapping[str, Any]) -> Outcome:
    payment_id = payment_id_of(record.get("body"))
    if payment_id is None:
        return Outcome("poison", "malformed message body")
    bind_correlation(payment_id=payment_id)
    try:
        with app.db.session() as conn:
            return settle(conn, app.processor, payment_id)
    except Exception:  # the message is retried; the traceback is logged masked
        app.log.exception("settle_failed")
        return Outcome("retry", "unexpected error")
