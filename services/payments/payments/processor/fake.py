"""A deterministic local processor with a journal, for development, tests, drills and benches.

It behaves like a real processor where it matters for correctness: the idempotency key makes a
repeated request return the first result without charging again, and a timeout may come
before or after the charge. Each request's fate is a pure function of (seed, key, attempt), so
a run with the same seed fails the same way every time.

The journal lives in PostgreSQL (schema `fake_processor`) and is written on a connection of its
own in autocommit mode, as an external system would: a worker that crashes after the charge
cannot roll it back, so duplicate charges show up in `journal_summary`. It stands in for an
external system, so it is not in the service's migrations (which also run in prod): the
migrator creates it as the master user when PAYMENTS_PROCESSOR=fake (`ensure_journal`, then
`grant_journal`); the service's user may only read and append.

Tokens containing `chargeDeclined` (as in Stripe's test tokens) are always declined.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from payments.config import FakeFaults
from payments.db.connection import Connection, Database
from payments.processor.base import (
    ChargeRequest,
    ChargeResult,
    PermanentProcessorError,
    ProcessorTimeout,
    RetryableProcessorError,
)

Outcome = Literal["succeeded", "declined"]
Fate = Literal["ok", "decline", "error", "timeout_before", "timeout_after"]
_JOURNAL_LOCK = 0x7061795F66616B65  # advisory lock key ("pay_fake") for creating the journal
_JOURNAL_DDL = b"""
CREATE SCHEMA IF NOT EXISTS fake_processor;
CREATE TABLE IF NOT EXISTS fake_processor.charges (
    charge_id       text PRIMARY KEY,
    idempotency_key text NOT NULL UNIQUE,
    payment_id      text NOT NULL,
    amount_minor    bigint NOT NULL,
    currency        text NOT NULL,
    payment_method  text NOT NULL,
    outcome         text NOT NULL CHECK (outcome IN ('succeeded', 'declined')),
    decline_code    text,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS charges_by_payment ON fake_processor.charges (payment_id);
CREATE TABLE IF NOT EXISTS fake_processor.requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key text NOT NULL,
    attempt         integer NOT NULL,
    fate            text NOT NULL,
    at              timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS requests_by_key ON fake_processor.requests (idempotency_key);
"""


def fate_of(faults: FakeFaults, idempotency_key: str, attempt: int) -> Fate:
    """The deterministic fate of one request."""
    digest = hashlib.sha256(f"{faults.seed}:{idempotency_key}:{attempt}".encode()).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    if draw < faults.decline:
        return "decline"
    if draw < faults.decline + faults.error:
        return "error"
    if draw < faults.decline + faults.error + faults.timeout:
        return "timeout_after" if digest[8] & 1 else "timeout_before"
    return "ok"


def _journal_exists(conn: Connection) -> bool:
    row = conn.execute(
        "SELECT to_regclass('fake_processor.charges') IS NOT NULL"
        " AND to_regclass('fake_processor.requests') IS NOT NULL"
    ).fetchone()
    return bool(row and row[0])


def ensure_journal(conn: Connection) -> None:
    """Create the journal tables if missing (`conn` in autocommit mode).

    Checked first without locks: even `CREATE INDEX IF NOT EXISTS` takes a table lock, which
    would deadlock with charges being journaled by other workers. Creation is serialised by a
    session advisory lock and re-checked in a transaction begun after it is granted: a
    transaction that began before would still see the catalog as it was (stale caches).
    """
    if _journal_exists(conn):
        return
    conn.execute("SELECT pg_advisory_lock(%s)", (_JOURNAL_LOCK,))
    try:
        with conn.transaction():
            if not _journal_exists(conn):
                conn.execute(_JOURNAL_DDL)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_JOURNAL_LOCK,))


def grant_journal(conn: Connection, user: str) -> None:
    """Let `user` (the service's role, which has no DDL rights) use the journal and no more:
    USAGE on the schema (not CREATE), SELECT and INSERT on its tables (append-only, as a
    processor's records are to its clients). The identity column of `requests` needs no
    sequence grant: PostgreSQL draws identity values with the table's INSERT privilege."""
    role = sql.Identifier(user)
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA fake_processor TO {}").format(role))
    conn.execute(
        sql.SQL(
            "GRANT SELECT, INSERT ON fake_processor.charges, fake_processor.requests TO {}"
        ).format(role)
    )


class FakeProcessor:
    name = "fake"

    def __init__(self, connect: Callable[[], Connection], faults: FakeFaults | None = None) -> None:
        self._db = Database(connect)
        self.faults = faults or FakeFaults()
        self._journal_ready = False

    def charge(self, request: ChargeRequest) -> ChargeResult:
        with self._db.session() as conn:
            if not self._journal_ready:
                # The migrator created it already; this only helps callers that run as the
                # journal's owner without one (tests, benches), and is a no-op check otherwise.
                ensure_journal(conn)
                self._journal_ready = True
            # The request and its charge are journaled in one transaction (one commit); the
            # answer, or the failure to answer, comes after that commit, as with a real one.
            with conn.transaction():
                attempt = self._record_request(conn, request.idempotency_key)
                fate = fate_of(self.faults, request.idempotency_key, attempt)
                self._note_fate(conn, request.idempotency_key, attempt, fate)
                result = None
                if fate not in ("error", "timeout_before"):
                    declined = fate == "decline" or "chargeDeclined" in request.payment_method
                    result = self._charge_once(conn, request, declined)
        if fate == "error":
            raise RetryableProcessorError("fake processor answered HTTP 503")
        if fate in ("timeout_before", "timeout_after"):
            when = "before" if fate == "timeout_before" else "after"
            raise ProcessorTimeout(f"fake processor timed out {when} charging")
        assert result is not None
        return result

    def close(self) -> None:
        self._db.close()

    def _record_request(self, conn: Connection, key: str) -> int:
        row = conn.execute(
            "SELECT count(*) + 1 FROM fake_processor.requests WHERE idempotency_key = %s", (key,)
        ).fetchone()
        assert row is not None
        return int(row[0])

    def _note_fate(self, conn: Connection, key: str, attempt: int, fate: Fate) -> None:
        conn.execute(
            "INSERT INTO fake_processor.requests (idempotency_key, attempt, fate)"
            " VALUES (%s, %s, %s)",
            (key, attempt, fate),
        )

    def _charge_once(
        self, conn: Connection, request: ChargeRequest, declined: bool
    ) -> ChargeResult:
        digest = hashlib.sha256(request.idempotency_key.encode()).digest()
        # Base32, not hex: a hex id holds long digit runs that log masking would hide.
        charge_id = "ch_fake_" + base64.b32encode(digest[:15]).decode().lower()
        outcome: Outcome = "declined" if declined else "succeeded"
        decline_code = "card_declined" if declined else None
        inserted = conn.execute(
            "INSERT INTO fake_processor.charges (charge_id, idempotency_key, payment_id,"
            " amount_minor, currency, payment_method, outcome, decline_code)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (idempotency_key) DO NOTHING RETURNING charge_id",
            (
                charge_id,
                request.idempotency_key,
                request.payment_id,
                request.amount_minor,
                request.currency,
                request.payment_method,
                outcome,
                decline_code,
            ),
        ).fetchone()
        if inserted is not None:
            return ChargeResult(outcome, charge_id, decline_code)
        return self._replay(conn, request)

    def _replay(self, conn: Connection, request: ChargeRequest) -> ChargeResult:
        with conn.cursor(row_factory=dict_row) as cur:
            first = cur.execute(
                "SELECT * FROM fake_processor.charges WHERE idempotency_key = %s",
                (request.idempotency_key,),
            ).fetchone()
        assert first is not None  # the conflicting row exists and rows are never deleted
        same = (first["payment_id"], first["amount_minor"], first["currency"]) == (
            request.payment_id,
            request.amount_minor,
            request.currency,
        ) and first["payment_method"] == request.payment_method
        if not same:
            raise PermanentProcessorError(
                "fake processor: idempotency key reused with different parameters"
            )
        outcome: Outcome = "succeeded" if first["outcome"] == "succeeded" else "declined"
        return ChargeResult(outcome, first["charge_id"], first["decline_code"], replayed=True)


@dataclass(frozen=True)
class JournalSummary:
    requests: int
    charges: int
    succeeded: int
    declined: int
    # Payments with more than one successful charge: money taken twice. Must stay empty.
    double_charged: tuple[str, ...]


def journal_summary(conn: Connection) -> JournalSummary:
    """What the fake processor has done so far (`conn` in autocommit mode)."""
    try:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM fake_processor.requests),"
            " count(*), count(*) FILTER (WHERE outcome = 'succeeded'),"
            " count(*) FILTER (WHERE outcome = 'declined') FROM fake_processor.charges"
        ).fetchone()
    except psycopg.errors.UndefinedTable:
        return JournalSummary(0, 0, 0, 0, ())
    assert counts is not None
    doubles = conn.execute(
        "SELECT payment_id FROM fake_processor.charges WHERE outcome = 'succeeded'"
        " GROUP BY payment_id HAVING count(*) > 1 ORDER BY payment_id"
    ).fetchall()
    return JournalSummary(
        requests=int(counts[0]),
        charges=int(counts[1]),
        succeeded=int(counts[2]),
        declined=int(counts[3]),
        double_charged=tuple(str(r[0]) for r in doubles),
    )
