"""Payments and their history in PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from psycopg import sql
from psycopg.rows import class_row

from payments.db.connection import Connection
from payments.ids import processor_idempotency_key
from payments.models import CreatePayment
from payments.pan import mask_pans

Status = Literal["pending", "settled", "declined", "failed"]
FINAL_STATUSES: frozenset[str] = frozenset({"settled", "declined", "failed"})
_COLUMNS = sql.SQL(
    "id, status, amount_minor, currency, merchant_reference, customer_reference,"
    " payment_method, processor_idempotency_key, attempts, created_at, updated_at"
)
_INSERT = sql.SQL(
    "INSERT INTO payments (id, amount_minor, currency, merchant_reference, customer_reference,"
    " payment_method, processor_idempotency_key) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    " RETURNING {}"
).format(_COLUMNS)
_SELECT = sql.SQL("SELECT {} FROM payments WHERE id = %s").format(_COLUMNS)
_SELECT_SKIP_LOCKED = sql.SQL(
    "SELECT {} FROM payments WHERE id = %s FOR UPDATE SKIP LOCKED"
).format(_COLUMNS)


@dataclass(frozen=True)
class Payment:
    id: str
    status: str
    amount_minor: int
    currency: str
    merchant_reference: str
    customer_reference: str
    payment_method: str
    processor_idempotency_key: str
    attempts: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Event:
    status: str
    event: str
    detail: str | None
    created_at: datetime


def insert_payment(conn: Connection, payment_id: str, request: CreatePayment) -> Payment:
    with conn.cursor(row_factory=class_row(Payment)) as cur:
        payment = cur.execute(
            _INSERT,
            (
                payment_id,
                request.amount_minor,
                request.currency,
                request.merchant_reference,
                request.customer_reference,
                request.payment_method,
                processor_idempotency_key(payment_id),
            ),
        ).fetchone()
    assert payment is not None
    add_event(conn, payment_id, "pending", "created")
    return payment


def get_payment(
    conn: Connection, payment_id: str, *, lock: Literal["none", "skip_locked"] = "none"
) -> Payment | None:
    """The payment, or None; with `skip_locked`, None also when another session holds it."""
    query = _SELECT_SKIP_LOCKED if lock == "skip_locked" else _SELECT
    with conn.cursor(row_factory=class_row(Payment)) as cur:
        return cur.execute(query, (payment_id,)).fetchone()


def payment_exists(conn: Connection, payment_id: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM payments WHERE id = %s", (payment_id,)).fetchone() is not None
    )


def history(conn: Connection, payment_id: str) -> list[Event]:
    with conn.cursor(row_factory=class_row(Event)) as cur:
        return cur.execute(
            "SELECT status, event, detail, created_at FROM payment_events"
            " WHERE payment_id = %s ORDER BY id",
            (payment_id,),
        ).fetchall()


def add_event(
    conn: Connection, payment_id: str, status: str, event: str, detail: str | None = None
) -> None:
    """Append to the payment's history; `detail` (a processor's words) is stored masked."""
    conn.execute(
        "INSERT INTO payment_events (payment_id, status, event, detail) VALUES (%s, %s, %s, %s)",
        (payment_id, status, event, None if detail is None else mask_pans(detail)[:500]),
    )


def record_attempt(conn: Connection, payment: Payment, event: str, detail: str) -> None:
    """A charge attempt that left the payment pending (the processor will be asked again)."""
    conn.execute(
        "UPDATE payments SET attempts = attempts + 1, updated_at = now() WHERE id = %s",
        (payment.id,),
    )
    add_event(conn, payment.id, payment.status, event, detail)


def finish(conn: Connection, payment: Payment, status: Status, event: str, detail: str) -> None:
    """Move a pending payment to a final status (the database refuses any later change)."""
    conn.execute(
        "UPDATE payments SET status = %s, attempts = attempts + 1, updated_at = now()"
        " WHERE id = %s",
        (status, payment.id),
    )
    add_event(conn, payment.id, status, event, detail)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def public_view(payment: Payment, events: list[Event] | None = None) -> dict[str, object]:
    """What clients see: never the payment method token or internal keys."""
    view: dict[str, object] = {
        "id": payment.id,
        "status": payment.status,
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "merchant_reference": payment.merchant_reference,
        "customer_reference": payment.customer_reference,
        "created_at": iso(payment.created_at),
        "updated_at": iso(payment.updated_at),
    }
    if events is not None:
        view["history"] = [
            {"status": e.status, "event": e.event, "detail": e.detail, "at": iso(e.created_at)}
            for e in events
        ]
    return view
