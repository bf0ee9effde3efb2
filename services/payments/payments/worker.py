"""The worker: settles the payments named by a batch of SQS messages.

Returns `{"batchItemFailures": [{"itemIdentifier": <messageId>}, ...]}` naming exactly the
records to deliver again (the event source mapping needs ReportBatchItemFailures). AWS treats
a response with an empty, null or unknown identifier as a failure of the whole batch, so this
never returns one: a batch holding a record without a messageId is failed as a whole by
raising, before any record is processed. Poison messages (malformed body, unknown payment) are
reported as failures like any other, so the queue's redrive policy moves them to the DLQ after
maxReceiveCount receives instead of retrying them forever.

A processor timeout means the outcome is unknown: the processor may have taken the money. The
payment stays pending (never `failed`: that would report a charge that happened as one that did
not), the attempt is recorded as `charge_unknown`, and the message is retried. Every retry
sends the payment's own idempotency key, so asking again *is* the query: the processor answers
with the first request's charge, or makes the charge once if the first never arrived. When the
retries run out, the message dead-letters; the DLQ auditor records the still-pending payment
and alerts, and the operator's safe redrive (`payments.ops.redrive`) sends it once more, within
the processor's idempotency window, so the replayed charge is posted. Until then, reconciling
the ledger against the processor's records shows it as charged but not posted.

A connection the database dropped (restart, failover, idle cut) is only seen when it is next
used: a record that fails that way is settled once more at once on a fresh connection. That is
safe for the same reason, and it keeps one stale connection from costing a delivery per batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg

from payments.app import App
from payments.logging import bind_correlation, clear_correlation
from payments.messages import InvalidBatch, batch_records, payment_id_of, receive_count
from payments.settlement import Outcome, settle

# A lost connection is replaced at once, twice at most: the worker's own, and the processor
# adapter's when it has one (the fake processor journals on a connection of its own).
_SETTLE_ATTEMPTS = 3


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
    for attempt in range(1, _SETTLE_ATTEMPTS + 1):
        try:
            with app.db.session() as conn:
                return settle(conn, app.processor, payment_id)
        except psycopg.OperationalError as exc:
            if attempt < _SETTLE_ATTEMPTS and _connection_lost(exc):
                app.log.warning("database_connection_lost", detail="settling again")
                continue  # the session dropped the broken connection; the next one is fresh
            app.log.exception("settle_failed")
            return Outcome("retry", "database unavailable")
        except Exception:  # the message is retried; the traceback is logged masked
            app.log.exception("settle_failed")
            return Outcome("retry", "unexpected error")
    raise AssertionError("unreachable")  # pragma: no cover


def _connection_lost(exc: psycopg.OperationalError) -> bool:
    """The server ended our session (terminated, shut down, restarted), or the link broke."""
    if isinstance(exc, psycopg.errors.AdminShutdown | psycopg.errors.CrashShutdown):
        return True
    return exc.sqlstate is None or exc.sqlstate.startswith("08")  # no answer, or class 08
