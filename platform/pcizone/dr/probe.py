"""The workload probe: commits payments at a steady rate and records every attempt.

Each payment carries a fixed idempotency key. After a failed attempt the probe retries the
same payment (same key) until it is acknowledged, as a client of the payments API would: the
ledger's unique key must then make it happen once, whichever writer receives the retry.
"""

from __future__ import annotations

import contextlib
import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from pcizone.dr.clock import Clock
from pcizone.dr.endpoint import WriterEndpoint
from pcizone.dr.redact import redact


@dataclass(frozen=True)
class ProbePayment:
    seq: int
    key: str  # idempotency key, unique per drill run and sequence number
    amount_minor: int
    currency: str


# Writes one payment through the ledger and returns only once it is committed.
CommitFn = Callable[[psycopg.Connection[Any], ProbePayment], None]


@dataclass(frozen=True)
class Attempt:
    seq: int
    key: str
    sent: float  # monotonic time the attempt started (RPO is measured on these)
    done: float  # monotonic time it was acknowledged or failed
    writer: str  # label of the endpoint it went to
    ok: bool
    error: str | None = None


class ProbeFailed(RuntimeError):
    """The probe hit an error that is not a database outage (a bug, bad schema)."""


def new_run_id() -> str:
    """Letters only: probe keys then hold no long digit runs that log masking would hide."""
    return "drill-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))


def probe_key(run_id: str, seq: int) -> str:
    return f"{run_id}-{seq:07d}"


class WorkloadProbe:
    def __init__(
        self,
        endpoint: WriterEndpoint,
        commit_fn: CommitFn,
        *,
        run_id: str,
        clock: Clock,
        interval: float = 0.005,
        connect_timeout: int = 2,
        currency: str = "EUR",
    ) -> None:
        self.endpoint = endpoint
        self.run_id = run_id
        self.interval = interval
        self._commit = commit_fn
        self._clock = clock
        self._connect_timeout = connect_timeout
        self._currency = currency
        self._attempts: list[Attempt] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.fatal: str | None = None
        self.started_at: float | None = None
        self.stopped_at: float | None = None

    # -- control ------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("probe already started")
        self.started_at = self._clock.now()
        self._thread = threading.Thread(target=self._run, name="drill-probe", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self.stopped_at is None:
            self.stopped_at = self._clock.now()

    def __enter__(self) -> WorkloadProbe:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- readings -----------------------------------------------------------------------------
    def attempts(self) -> list[Attempt]:
        with self._lock:
            return list(self._attempts)

    def acks(self) -> list[Attempt]:
        return [a for a in self.attempts() if a.ok]

    def first_ack(self, *, after: float, writer: str) -> Attempt | None:
        return next(
            (a for a in self.acks() if a.done >= after and a.writer == writer),
            None,
        )

    def error_rate(self, since: float) -> float:
        window = [a for a in self.attempts() if a.sent >= since]
        if not window:
            return 0.0
        return sum(1 for a in window if not a.ok) / len(window)

    def write_rate(self) -> float:
        """Acknowledged commits per second over the probe's whole run."""
        acks = self.acks()
        if self.started_at is None or not acks:
            return 0.0
        end = self.stopped_at if self.stopped_at is not None else self._clock.now()
        return len(acks) / max(end - self.started_at, 1e-9)

    def wait_for_acks(
        self, count: int, *, timeout: float, after: float = 0.0, writer: str | None = None
    ) -> bool:
        """Blocks until `count` acks (sent after `after`, on `writer` if given) or timeout."""
        deadline = self._clock.now() + timeout
        while self._clock.now() < deadline:
            self.raise_if_failed()
            seen = sum(
                1 for a in self.acks() if a.sent >= after and (writer is None or a.writer == writer)
            )
            if seen >= count:
                return True
            self._stop.wait(self.interval)
        return False

    def raise_if_failed(self) -> None:
        if self.fatal is not None:
            raise ProbeFailed(self.fatal)

    # -- the loop -----------------------------------------------------------------------------
    def _run(self) -> None:
        conn: psycopg.Connection[Any] | None = None
        generation = -1
        seq = 0
        pending: ProbePayment | None = None
        next_tick = self._clock.now()
        try:
            while not self._stop.is_set():
                if pending is None:
                    seq += 1
                    pending = self._payment(seq)
                target = self.endpoint.current()
                if conn is not None and generation != target.generation:
                    _close(conn)
                    conn = None
                sent = self._clock.now()
                try:
                    if conn is None:
                        conn = psycopg.connect(
                            target.conninfo,
                            autocommit=True,
                            connect_timeout=self._connect_timeout,
                        )
                        generation = target.generation
                    self._commit(conn, pending)
                except psycopg.Error as exc:
                    # An outage: the connection is gone or the server refuses writes.
                    self._record(pending, sent, target.label, _describe(exc))
                    _close(conn)
                    conn = None
                else:
                    self._record(pending, sent, target.label, None)
                    pending = None
                next_tick += self.interval
                delay = next_tick - self._clock.now()
                if delay > 0:
                    self._stop.wait(delay)
                else:
                    next_tick = self._clock.now()  # fell behind (outage): do not burst
        except Exception as exc:  # a bug or a schema problem: stop and say so
            self.fatal = redact(f"{type(exc).__name__}: {exc}")
        finally:
            _close(conn)

    def _payment(self, seq: int) -> ProbePayment:
        # Amounts vary so that a ledger checksum notices a row swapped between payments.
        return ProbePayment(seq, probe_key(self.run_id, seq), 100 + seq % 900, self._currency)

    def _record(self, payment: ProbePayment, sent: float, writer: str, error: str | None) -> None:
        attempt = Attempt(
            payment.seq, payment.key, sent, self._clock.now(), writer, error is None, error
        )
        with self._lock:
            self._attempts.append(attempt)


def _close(conn: psycopg.Connection[Any] | None) -> None:
    """Closes and forgets a connection; a server that is gone already needs no goodbye."""
    if conn is not None:
        with contextlib.suppress(psycopg.Error):
            conn.close()


def _describe(exc: psycopg.Error) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return redact(f"{type(exc).__name__}: {first}")[:300]
