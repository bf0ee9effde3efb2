"""The ledger's guarantees, enforced by the database itself."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from payments import ledger, store
from payments.ids import new_payment_id
from payments.models import CreatePayment

Conn = psycopg.Connection[Any]


def _payment(conn: Conn, amount: int = 1250, currency: str = "EUR") -> store.Payment:
    request = CreatePayment(
        amount_minor=amount,
        currency=currency,
        merchant_reference="order-1",
        customer_reference="cust-1",
        payment_method="pm_card_visa",
    )
    with conn.transaction():
        return store.insert_payment(conn, new_payment_id(), request)


def _settle(conn: Conn, payment: store.Payment, charge_id: str = "ch_1") -> None:
    with conn.transaction():
        ledger.post_settlement(conn, payment, "fake", charge_id)
        store.finish(conn, payment, "settled", "charge_succeeded", charge_id)


def test_settlement_posts_one_balanced_pair(conn: Conn) -> None:
    usd = _payment(conn, 700, "USD")
    eur = _payment(conn, 1250, "EUR")
    _settle(conn, usd, "ch_usd")
    _settle(conn, eur, "ch_eur")
    assert ledger.trial_balance(conn) == {
        "EUR": {"merchant_payable": -1250, "processor_clearing": 1250},
        "USD": {"merchant_payable": -700, "processor_clearing": 700},
    }
    assert ledger.unbalanced_payments(conn) == []
    assert ledger.settled_without_posting(conn) == []


def test_a_payment_settles_only_once(conn: Conn) -> None:
    payment = _payment(conn)
    _settle(conn, payment, "ch_first")
    with pytest.raises(psycopg.errors.UniqueViolation), conn.transaction():
        ledger.post_settlement(conn, payment, "fake", "ch_second")
    assert conn.execute(
        "SELECT count(*) FROM ledger_entries WHERE payment_id = %s", (payment.id,)
    ).fetchone() == (2,)


def test_unbalanced_entries_are_refused_at_commit(conn: Conn) -> None:
    payment = _payment(conn)
    with (
        pytest.raises(psycopg.errors.CheckViolation, match="do not balance"),
        conn.transaction(),
    ):
        conn.execute(
            "INSERT INTO ledger_entries (payment_id, posting, account, direction,"
            " amount_minor, currency) VALUES (%s, 'settlement', 'processor_clearing',"
            " 'debit', 100, 'EUR')",
            (payment.id,),
        )
    assert conn.execute("SELECT count(*) FROM ledger_entries").fetchone() == (0,)


def test_entries_in_another_currency_are_refused(conn: Conn) -> None:
    payment = _payment(conn, currency="EUR")
    with (
        pytest.raises(psycopg.errors.CheckViolation, match="currency differs"),
        conn.transaction(),
    ):
        for direction, account in (("debit", "processor_clearing"), ("credit", "merchant_payable")):
            conn.execute(
                "INSERT INTO ledger_entries (payment_id, posting, account, direction,"
                " amount_minor, currency) VALUES (%s, 'settlement', %s, %s, 100, 'USD')",
                (payment.id, account, direction),
            )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET amount_minor = 1",
        "DELETE FROM ledger_entries",
        "TRUNCATE ledger_entries CASCADE",
        "UPDATE charges SET processor_charge_id = 'x'",
        "DELETE FROM charges",
    ],
)
def test_ledger_and_charges_are_append_only(conn: Conn, statement: str) -> None:
    _settle(conn, _payment(conn))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        conn.execute(statement.encode())


def test_a_final_status_never_changes(conn: Conn) -> None:
    payment = _payment(conn)
    _settle(conn, payment)
    with pytest.raises(psycopg.errors.CheckViolation, match="is settled and cannot become pending"):
        conn.execute("UPDATE payments SET status = 'pending' WHERE id = %s", (payment.id,))


def test_idempotency_records_must_live_at_least_15_days(conn: Conn) -> None:
    payment = _payment(conn)
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "INSERT INTO idempotency_records (key_hash, request_hash, payment_id,"
            " response_status, response_body, expires_at)"
            " VALUES (%s, %s, %s, 201, '{}', now() + interval '14 days')",
            (b"k" * 32, b"r" * 32, payment.id),
        )
