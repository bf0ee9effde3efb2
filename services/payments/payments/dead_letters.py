"""Dead letters: messages the worker gave up on, recorded with why (PCI DSS 10.2, 12.10).

A dead message's body may hold anything, so only its SHA-256 and a short excerpt, masked
before and after it is cut, are stored. A dead letter is always recorded, whatever it holds:
text a PostgreSQL column cannot take (NUL, lone surrogates) is replaced in the excerpt, and a
message id that cannot be stored as it is (see `stored_message_id`) is kept as its hash.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from payments import store
from payments.db.connection import Connection
from payments.messages import payment_id_of
from payments.pan import find_pans, mask_pans

EXCERPT_CHARS = 256
# SQS message ids are 36-character UUIDs; a much longer primary key would overflow a btree row.
MESSAGE_ID_MAX_CHARS = 256
HASHED_ID_PREFIX = "sha256-b32:"


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
        message_id=stored_message_id(message_id),
        payment_id=payment_id,
        reason=reason,
        receive_count=receives,
        first_received_at=_epoch_ms(attrs.get("ApproximateFirstReceiveTimestamp")),
        sent_at=_epoch_ms(attrs.get("SentTimestamp")),
        body_sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest(),
        body_excerpt=excerpt(text),
    )


def stored_message_id(message_id: str) -> str:
    """The key a message is recorded under: the id itself, unless it cannot or must not be
    stored as it is (NUL, lone surrogates, card data, over `MESSAGE_ID_MAX_CHARS`); then
    `HASHED_ID_PREFIX` and its SHA-256 in base32 (no long digit runs). Ids that already start
    with the prefix are hashed too, so two different ids never share a key."""
    if (
        len(message_id) <= MESSAGE_ID_MAX_CHARS
        and not message_id.startswith(HASHED_ID_PREFIX)
        and _storable(message_id) == message_id
        and not find_pans(message_id)
    ):
        return message_id
    digest = hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).digest()
    return HASHED_ID_PREFIX + base64.b32encode(digest).decode().rstrip("=").lower()


def excerpt(body: str) -> str:
    """The first `EXCERPT_CHARS` characters of `body`, masked, storable in a text column.

    Masked before the cut, so a PAN across it is masked whole, and after it, because the cut
    can leave the head of a longer digit run that passes the Luhn check on its own."""
    return _storable(mask_pans(mask_pans(body)[:EXCERPT_CHARS]))


def _storable(text: str) -> str:
    """`text` without what PostgreSQL text refuses: NUL and lone surrogates become U+FFFD."""
    if text.isascii() and "\x00" not in text:
        return text
    valid = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return valid.replace("\x00", "\ufffd")


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
