"""The double-entry ledger: a settled charge posts one balanced pair of entries.

debit `processor_clearing` (the processor owes us the money) and credit `merchant_payable`
(we owe it to the merchant). The database enforces one charge per payment, one settlement
posting per payment, balance per payment at commit, and append-only entries.
"""

from __future__ import annotations

from collections import defaultdict

from payments.db.connection import Connection
from payments.store import Payment


def post_settlement(conn: Connection, payment: Payment, processor: str, charge_id: str) -> None:
    """Record the charge and its posting, inside the caller's transaction."""
    conn.execute(
        "INSERT INTO charges (payment_id, processor, processor_charge_id, idempotency_key,"
        " amount_minor, currency) VALUES (%s, %s, %s, %s, %s, %s)",
        (
            payment.id,
            processor,
            charge_id,
            payment.processor_idempotency_key,
            payment.amount_minor,
            payment.currency,
        ),
    )
    conn.execute(
        "INSERT INTO ledger_entries (payment_id, posting, account, direction, amount_minor,"
        " currency) VALUES (%s, 'settlement', 'processor_clearing', 'debit', %s, %s),"
        " (%s, 'settlement', 'merchant_payable', 'credit', %s, %s)",
        (
            payment.id,
            payment.amount_minor,
            payment.currency,
            payment.id,
            payment.amount_minor,
            payment.currency,
        ),
    )


def trial_balance(conn: Connection) -> dict[str, dict[str, int]]:
    """Net balance (debits minus credits) per currency and account."""
    balances: dict[str, dict[str, int]] = defaultdict(dict)
    for currency, account, net in conn.execute(
        "SELECT currency, account,"
        " sum(CASE direction WHEN 'debit' THEN amount_minor ELSE -amount_minor END)"
        " FROM ledger_entries GROUP BY currency, account ORDER BY currency, account"
    ):
        balances[currency][account] = int(net)
    return dict(balances)


def unbalanced_payments(conn: Connection) -> list[str]:
    """Payments whose entries do not sum to zero in some currency (must always be empty)."""
    rows = conn.execute(
        "SELECT payment_id FROM ledger_entries GROUP BY payment_id, currency"
        " HAVING sum(CASE direction WHEN 'debit' THEN amount_minor ELSE -amount_minor END) <> 0"
        " ORDER BY payment_id"
    ).fetchall()
    return [str(r[0]) for r in rows]


def settled_without_posting(conn: Connection) -> list[str]:
    """Settled payments lacking a charge or a posting, or the reverse (must be empty)."""
    rows = conn.execute(
        "SELECT p.id FROM payments p"
        " LEFT JOIN charges c ON c.payment_id = p.id"
        " LEFT JOIN (SELECT DISTINCT payment_id FROM ledger_entries) l ON l.payment_id = p.id"
        " WHERE (p.status = 'settled') <> (c.payment_id IS NOT NULL AND l.payment_id IS NOT NULL)"
        " ORDER BY p.id"
    ).fetchall()
    return [str(r[0]) for r in rows]
