"""The transactional outbox: a payment's queue message is committed with the payment.

Why an outbox: sending to SQS inside the transaction could enqueue a payment that then rolls
back; sending after commit could lose the message if SQS fails or the Lambda dies in between.
So the API writes an outbox row in the payment's transaction, sends right after commit and
marks the row sent. Rows left unsent are re-sent by `relay_pending`, which the API runs after
a request at most every few seconds per container and the `outbox_relay` handler runs on a
schedule. A message may therefore be
sent twice; the worker is idempotent, so that is harmless, whereas a lost one is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from psycopg.types.json import Jsonb

from payments.db.connection import Connection
from payments.fifo import content_deduplication_id, is_fifo, send_arguments
from payments.messages import message_body, payment_id_of


class MessageSender(Protocol):
    def send(self, body: str) -> str:
        """Send one message; returns its message id."""
        ...


class SqsSender:
    """Sends to one SQS queue through a boto3 client.

    On a FIFO queue a payment's messages form one group (their order is kept, other payments
    are not held up), and the deduplication id is the body's hash: a copy the relay re-sends
    within SQS's 5-minute window is dropped, as content-based deduplication would do.
    """

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self.queue_url = queue_url

    def send(self, body: str) -> str:
        fifo: dict[str, str] = {}
        if is_fifo(self.queue_url):
            payment_id = payment_id_of(body)
            if payment_id is None:
                raise ValueError("a FIFO payments queue takes payment messages only")
            fifo = send_arguments(
                self.queue_url,
                group_id=payment_id,
                deduplication_id=content_deduplication_id(body),
            )
        response = self._sqs.send_message(QueueUrl=self.queue_url, MessageBody=body, **fifo)
        return str(response["MessageId"])


def add(conn: Connection, payment_id: str) -> int:
    """Queue a message for `payment_id` inside the caller's transaction; returns the row id."""
    row = conn.execute(
        "INSERT INTO outbox (payment_id, body) VALUES (%s, %s) RETURNING id",
        (payment_id, Jsonb({"payment_id": payment_id})),
    ).fetchone()
    assert row is not None
    return int(row[0])


def deliver(conn: Connection, sender: MessageSender, outbox_id: int, payment_id: str) -> bool:
    """Send one committed row now; on failure leave it for the relay and return False."""
    try:
        sender.send(message_body(payment_id))
    except Exception as exc:  # any failure to send: the relay retries, the client is unaffected
        _note_failure(conn, outbox_id, exc)
        return False
    conn.execute(
        "UPDATE outbox SET sent_at = now() WHERE id = %s AND sent_at IS NULL", (outbox_id,)
    )
    return True


def _note_failure(conn: Connection, outbox_id: int, exc: Exception) -> None:
    conn.execute(
        "UPDATE outbox SET send_attempts = send_attempts + 1, last_error = %s WHERE id = %s",
        (type(exc).__name__, outbox_id),
    )


@dataclass
class RelayReport:
    sent: list[str] = field(default_factory=list)  # payment ids
    failed: list[str] = field(default_factory=list)


def relay_pending(
    conn: Connection, sender: MessageSender, *, older_than_seconds: float = 30.0, limit: int = 25
) -> RelayReport:
    """Send unsent rows older than `older_than_seconds` (young ones are their API's to send).

    Rows are locked with SKIP LOCKED, so concurrent relays share the work. Stops at the first
    failure: SQS is likely down and the rest would fail the same way.
    """
    report = RelayReport()
    with conn.transaction():
        rows = conn.execute(
            "SELECT id, payment_id FROM outbox WHERE sent_at IS NULL"
            " AND created_at < now() - make_interval(secs => %s)"
            " ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED",
            (older_than_seconds, limit),
        ).fetchall()
        for outbox_id, payment_id in rows:
            try:
                sender.send(message_body(payment_id))
            except Exception as exc:  # recorded; the next relay run retries
                _note_failure(conn, outbox_id, exc)
                report.failed.append(payment_id)
                break
            conn.execute("UPDATE outbox SET sent_at = now() WHERE id = %s", (outbox_id,))
            report.sent.append(payment_id)
    return report


def unsent_count(conn: Connection) -> int:
    row = conn.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()
    return int(row[0]) if row else 0
