"""Reconciliation after a chaos run: every accepted payment accounted for, charged once.

Reads the payments database, the fake processor's own journal and every captured log. Each
check is a name, a verdict and the counts behind it; details never hold request data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from payments.ledger import settled_without_posting, unbalanced_payments
from payments.processor.fake import journal_summary

from pcizone.local.scenario_checks import check_logs


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


def reconcile(
    conn: Any, accepted: list[str], references: list[str], poison: list[str], log_dir: Path
) -> tuple[list[Check], dict[str, int]]:
    """`conn`: an autocommit connection to the payments database."""
    statuses = dict(
        conn.execute("SELECT id, status FROM payments WHERE id = ANY(%s)", (accepted,)).fetchall()
    )
    lettered = {
        str(r[0])
        for r in conn.execute(
            "SELECT DISTINCT payment_id FROM dead_letters WHERE payment_id = ANY(%s)", (accepted,)
        )
    }
    counts = {s: 0 for s in ("settled", "declined", "failed", "pending")}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    unresolved = [p for p in accepted if statuses.get(p) in (None, "pending") and p not in lettered]
    without_reason = conn.execute(
        "SELECT count(*) FROM payments p WHERE p.id = ANY(%s) AND p.status IN ('declined','failed')"
        " AND NOT EXISTS (SELECT 1 FROM payment_events e WHERE e.payment_id = p.id"
        " AND e.status = p.status AND coalesce(e.detail, '') <> '')",
        (accepted,),
    ).fetchone()[0]
    checks = [
        Check(
            "every accepted payment resolved",
            not unresolved and without_reason == 0,
            f"{len(accepted)} accepted: {counts['settled']} settled, {counts['declined']} declined,"
            f" {counts['failed']} failed, {counts['pending']} pending"
            f" ({len(lettered)} dead-lettered); {len(unresolved)} unresolved,"
            f" {without_reason} final without a reason",
        )
    ]
    stored = conn.execute(
        "SELECT count(*), count(DISTINCT merchant_reference),"
        " count(*) FILTER (WHERE NOT (merchant_reference = ANY(%s))) FROM payments",
        (references,),
    ).fetchone()
    duplicates = int(stored[0]) - int(stored[1])
    strangers = int(stored[2])
    checks.append(
        Check(
            "zero duplicate payments",
            duplicates == 0 and strangers == 0 and len(set(accepted)) == len(accepted),
            f"{stored[0]} stored for {len(references)} requests; {duplicates} duplicates,"
            f" {strangers} not requested",
        )
    )
    journal = journal_summary(conn)
    processor = {
        tuple(r)
        for r in conn.execute(
            "SELECT payment_id, charge_id, amount_minor, currency FROM fake_processor.charges"
            " WHERE outcome = 'succeeded'"
        )
    }
    ledger = {
        tuple(r)
        for r in conn.execute(
            "SELECT payment_id, processor_charge_id, amount_minor, currency FROM charges"
        )
    }
    declined_journal = {
        str(r[0])
        for r in conn.execute(
            "SELECT payment_id FROM fake_processor.charges WHERE outcome = 'declined'"
        )
    }
    declined_ledger = {p for p, s in statuses.items() if s == "declined"}
    checks.append(
        Check(
            "processor journal matches the ledger 1:1",
            processor == ledger
            and not journal.double_charged
            and declined_journal == declined_ledger,
            f"{len(processor)} processor charges, {len(ledger)} ledger charges,"
            f" {len(processor - ledger)} charged but not posted,"
            f" {len(ledger - processor)} posted but not charged,"
            f" {len(journal.double_charged)} charged twice; {journal.requests} processor requests;"
            f" {len(declined_journal)} declined by the processor, {len(declined_ledger)} in the"
            " payments",
        )
    )
    unbalanced = unbalanced_payments(conn)
    orphans = settled_without_posting(conn)
    totals = conn.execute(
        "SELECT currency, sum(CASE direction WHEN 'debit' THEN amount_minor ELSE 0 END),"
        " sum(CASE direction WHEN 'credit' THEN amount_minor ELSE 0 END)"
        " FROM ledger_entries GROUP BY currency ORDER BY currency"
    ).fetchall()
    checks.append(
        Check(
            "ledger balances",
            not unbalanced and not orphans and all(d == c for _cur, d, c in totals),
            "; ".join(f"{c} debits {d} = credits {k}" for c, d, k in totals) or "nothing posted",
        )
    )
    letters = dict(
        conn.execute(
            "SELECT message_id, reason FROM dead_letters WHERE message_id = ANY(%s)", (poison,)
        ).fetchall()
    )
    leaked = conn.execute(
        "SELECT count(*) FROM dead_letters WHERE body_excerpt ~ '4111[ -]?1111[ -]?1111'"
    ).fetchone()[0]
    checks.append(
        Check(
            "poison messages dead-lettered with a reason",
            len(letters) == len(poison) and all(letters.values()) and leaked == 0,
            f"{len(letters)} of {len(poison)} recorded; {leaked} excerpts hold the card number",
        )
    )
    logs = check_logs(log_dir)
    checks.append(Check(logs.name, logs.passed, logs.detail))
    figures = {
        **counts,
        "dead_lettered": len(lettered),
        "processor_requests": journal.requests,
        "processor_charges": len(processor),
    }
    return checks, figures
