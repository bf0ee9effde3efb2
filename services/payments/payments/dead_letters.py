"""Dead letters: messages the worker gave up on, recorded with why (PCI DSS 10.2, 12.10).

A dead message's body may hold anything, so only its SHA-256 and a short excerpt, masked
before it is cut, are stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from payments import store
from payments.db.connection import Connection
from payments.messages import payment_id_of
from payments.pan import mask_pans

EXCERPT_CHARS = 256


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    payment_id: str | None
    reason: str
    receive_count: int
    first_received_at: datetime | None
    sent_at: datetime | None
    body_sha256: bytes
    body_excerpt: str


def from_lambda_record(conn: Connection, record: Mapping[str, Any]) -> DeadLetter:
    """From an SQS record as Lambda delivers it (`messageId`, `body`, `attributes`)."""
    return _classify(conn, str(record["messageId"]), record.get("body"), record.get("attributes"))


def from_sqs_message(conn: Connection, message: Mapping[str, Any]) -> DeadLetter:
    """From a message as `receive_message` returns it (`MessageId`, `Body`, `Attributes`)."""
    return _classify(
        conn, str(message["MessageId"]), message.get("Body"), message.get("Attributes")
    )


def _classify(conn: Connection, message_id: str, body: object, attributes: object) -> DeadLetter:
    text = body if isinstance(body, str) else ""
    attrs = attributes if isinstance(attributes, Mapping) else {}
    receives = _int(attrs.get("ApproximateReceiveCount"))
    payment_id = payment_id_of(text)
    if payment_id is None:
        reason = "malformed message body"
    else:
        payment = store.get_payment(conn, payment_id)
        if payment is None:
            reason = "unknown payment"
        elif payment.status == "pending":
            reason = f"payment still pending after {receives} receives"
        else:
            reason = f"payment already {payment.status}"
    return DeadLetter(
        message_id=message_id,
        payment_id=payment_id,
        reason=reason,
        receive_count=receives,
        first_received_at=_epoch_ms(attrs.get("ApproximateFirstReceiveTimestamp")),
        sent_at=_epoch_ms(attrs.get("SentTimestamp")),
        body_sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest(),
        body_excerpt=mask_pans(text)[:EXCERPT_CHARS],
    )


def record(conn: Connection, letter: DeadLetter) -> bool:
    """Insert or refresh the dead letter; True when it is seen for the first time."""
    row = conn.execute(
        "INSERT INTO dead_letters (message_id, payment_id, reason, receive_count,"
        " first_received_at, sent_at, body_sha256, body_excerpt)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (message_id) DO UPDATE SET last_seen_at = now(),"
        " times_seen = dead_letters.times_seen + 1,"
        " receive_count = greatest(dead_letters.receive_count, excluded.receive_count)"
        " RETURNING times_seen",
        (
            letter.message_id,
            letter.payment_id,
            letter.reason,
            letter.receive_count,
            letter.first_received_at,
            letter.sent_at,
            letter.body_sha256,
            letter.body_excerpt,
        ),
    ).fetchone()
    return row is not None and int(row[0]) == 1


def resolve(conn: Connection, message_id: str, resolution: str, detail: str) -> None:
    conn.execute(
        "UPDATE dead_letters SET resolution = %s, resolution_detail = %s, resolved_at = now()"
        " WHERE message_id = %s",
        (resolution, detail, message_id),
    )


_INT4_MAX = 2**31 - 1  # the receive_count column is a PostgreSQL integer


def _int(raw: object) -> int:
    try:
        return min(max(int(str(raw)), 0), _INT4_MAX)
    except ValueError:
        return 0


def _epoch_ms(raw: object) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(raw)) / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
