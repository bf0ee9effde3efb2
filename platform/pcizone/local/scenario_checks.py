"""The demo scenario's expectations: each one a name, a verdict and the figures behind it.

Details name counts, statuses and ids the scenario minted; never a request body or a log line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

# An identifier of this shape is a UUID (Lambda request ids, SQS message ids), not a card
# number, though its all-digit groups, joined by dashes, can pass the Luhn check.
_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)


@dataclass(frozen=True)
class Expectation:
    name: str
    passed: bool
    detail: str


@dataclass
class PaymentFacts:
    """What the database says about one payment."""

    payment_id: str
    status: str
    created_at: datetime
    enqueued_at: datetime | None = None
    worker_events: list[tuple[str, datetime]] = field(default_factory=list)
    charges: int = 0
    ledger_entries: int = 0
    posted_at: datetime | None = None
    processor_charges: int | None = None  # the fake processor's journal, when it is the fake
    dead_lettered: tuple[datetime, str] | None = None  # when the auditor recorded it, and why


@dataclass(frozen=True)
class LedgerFacts:
    totals: dict[str, tuple[int, int]]  # currency -> (debits, credits)


class Answer(Protocol):
    @property
    def status(self) -> int: ...
    @property
    def body(self) -> bytes: ...
    def json(self) -> Any: ...


class DeadLetterLike(Protocol):
    @property
    def message_id(self) -> str: ...
    @property
    def receive_count(self) -> int: ...
    @property
    def reason(self) -> str: ...


def check_duplicate(first: Answer, again: Answer, stored: int) -> Expectation:
    same = again.status == first.status and again.json() == first.json()
    return Expectation(
        "duplicate request replayed",
        same and stored == 1,
        f"same Idempotency-Key and body: HTTP {again.status}, "
        f"{'identical' if same else 'different'} response, {stored} payment stored",
    )


def check_card_refused(answer: Answer, stored: int, card_number: str) -> Expectation:
    from payments.pan import contains_pan

    digits = re.sub(r"\D", "", card_number)
    echoed = contains_pan(answer.body) or digits.encode() in answer.body
    return Expectation(
        "card number refused",
        answer.status == 400 and not echoed and stored == 0,
        f"HTTP {answer.status}, card number {'echoed' if echoed else 'not echoed'},"
        f" {stored} payment stored",
    )


def check_settled(facts: dict[str, PaymentFacts], in_time: bool, timeout: float) -> Expectation:
    statuses: dict[str, int] = {}
    for payment in facts.values():
        statuses[payment.status] = statuses.get(payment.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) or "no payments"
    dead = sum(1 for p in facts.values() if p.dead_lettered is not None)
    if dead:
        summary += f" ({dead} dead-lettered)"
    return Expectation(
        "every payment settled",
        in_time and bool(facts) and "pending" not in statuses,
        summary + ("" if in_time else f" after {timeout:g} s"),
    )


def check_ledger(facts: dict[str, PaymentFacts], ledger: LedgerFacts) -> Expectation:
    wrong: list[str] = []
    for payment in facts.values():
        settled = payment.status == "settled"
        expected = (1, 2, 1) if settled else (0, 0, 0)
        processor = (
            payment.processor_charges if payment.processor_charges is not None else expected[2]
        )
        if (payment.charges, payment.ledger_entries, processor) != expected:
            wrong.append(payment.payment_id)
    unbalanced = sorted(c for c, (debit, credit) in ledger.totals.items() if debit != credit)
    totals = "; ".join(
        f"{c} debits {d} = credits {k}" for c, (d, k) in sorted(ledger.totals.items())
    )
    return Expectation(
        "charged once, ledger balanced",
        not wrong and not unbalanced,
        (totals or "nothing posted")
        + (f"; charge or ledger count wrong for {', '.join(wrong)}" if wrong else "")
        + (f"; unbalanced in {', '.join(unbalanced)}" if unbalanced else ""),
    )


def check_dead_letter(
    message_id: str,
    letters: Sequence[DeadLetterLike],
    in_time: bool,
    max_receive_count: int,
    left_on_dlq: int | None,
) -> Expectation:
    letter = next((x for x in letters if x.message_id == message_id), None)
    passed = (
        in_time
        and letter is not None
        and letter.receive_count >= max_receive_count
        and left_on_dlq == 0
    )
    if letter is None:
        detail = "the poison message was not audited" + ("" if in_time else " in time")
    else:
        detail = (
            f"poison message {message_id} audited ({letter.reason}) after"
            f" {letter.receive_count} receives (maxReceiveCount {max_receive_count});"
            f" {left_on_dlq} left on the DLQ"
        )
    return Expectation("poison message dead-lettered and audited", passed, detail)


def check_logs(log_dir: Path) -> Expectation:
    """Every line of every log the runtime captured, scanned for card numbers."""
    from payments.pan import find_pans

    files = sorted(log_dir.glob("*.log"))
    lines = 0
    flagged: list[str] = []
    for path in files:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                lines += 1
                if find_pans(_UUID.sub("<uuid>", line)):
                    flagged.append(f"{path.name}:{number}")
    return Expectation(
        "no card number in the logs",
        bool(files) and not flagged,
        f"{lines} lines in {len(files)} files scanned"
        + (f"; card data at {', '.join(flagged[:10])}" if flagged else ""),
    )
