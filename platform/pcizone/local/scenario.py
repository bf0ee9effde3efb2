"""The demo scenario: payments pushed through the local cloud's real path and checked end to end.

    result = run_scenario(runtime, payments=5)
    print(result.ok, result.to_dict())

Over HTTP it creates `payments` payments, each with its own Idempotency-Key (unique per run, so
repeat runs on a persistent database never collide), sends one of them again (the same key
and body must replay the same response), and sends one body holding a card number (refused
with 400, echoed nowhere). It injects one poison message into the payments queue, as a buggy
producer with the API's permissions would. Then it waits, within `timeout_seconds`, until
every payment has a final status and the poison message has been moved to the dead-letter
queue by SQS after maxReceiveCount receives and recorded by the DLQ auditor.

Everything the scenario reports is read back from the real parts: HTTP responses, the
payments database (payments, outbox, events, charges, ledger, dead letters, and the fake
processor's journal), the queues, and the runtime's log files.
"""

from __future__ import annotations

import base64
import http.client
import json
import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from payments.fifo import send_arguments

from pcizone.local.runtime.runtime import LocalRuntime
from pcizone.local.scenario_checks import (
    Expectation,
    LedgerFacts,
    PaymentFacts,
    check_card_refused,
    check_dead_letter,
    check_duplicate,
    check_ledger,
    check_logs,
    check_settled,
)
from pcizone.local.scenario_wiring import ScenarioError, Wiring, discover

PAYMENTS_PATH = "/payments"
# A well-known test card number (Luhn-valid): the API must refuse it and nothing may log it.
TEST_CARD_NUMBER = "4242 4242 4242 4242"
DEFAULT_PAYMENTS = 5
_POLL_SECONDS = 0.2
_HTTP_TIMEOUT_SECONDS = 35.0  # a little over API Gateway's 30 s integration timeout
_RETRIES = 3  # a client retries 5xx and 409 in-flight answers with the same Idempotency-Key


@dataclass(frozen=True)
class JourneyStep:
    stage: str  # api, queue, worker, ledger; dlq when the message was dead-lettered
    at: datetime
    detail: str


@dataclass(frozen=True)
class PaymentJourney:
    label: str
    payment_id: str | None
    http_status: int
    status: str | None
    steps: tuple[JourneyStep, ...]
    latency_ms: float | None  # request sent to final status


@dataclass(frozen=True)
class DeadLetterEntry:
    message_id: str
    payment_id: str | None
    reason: str
    receive_count: int
    audited_at: datetime


@dataclass(frozen=True)
class ScenarioResult:
    run_id: str
    api_url: str
    journeys: tuple[PaymentJourney, ...]
    dead_letters: tuple[DeadLetterEntry, ...]
    expectations: tuple[Expectation, ...]
    duration_seconds: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return bool(self.expectations) and all(e.passed for e in self.expectations)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (timestamps as ISO text)."""
        document: dict[str, Any] = json.loads(
            json.dumps({**asdict(self), "ok": self.ok}, default=_iso)
        )
        return document


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    raise TypeError(f"{type(value).__name__} is not JSON-serializable")


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes
    sent_at: datetime
    attempts: int

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class _Client:
    """A payments API client: one keep-alive connection per thread, retries like a real one."""

    def __init__(self, api_url: str) -> None:
        parts = urlsplit(api_url)
        if parts.hostname is None or parts.port is None:
            raise ScenarioError(f"the local API address {api_url!r} has no host and port")
        self.host, self.port = parts.hostname, parts.port
        self._local = threading.local()
        self._opened: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()

    def post(self, body: bytes, key: str | None) -> HttpAnswer:
        headers = {"content-type": "application/json"}
        if key is not None:
            headers["idempotency-key"] = key
        sent_at = datetime.now(UTC)
        for attempt in range(1, _RETRIES + 1):
            status, answer_headers, answer = self._request("POST", PAYMENTS_PATH, body, headers)
            retryable = status >= 500 or status == 409  # 409: the same key is in flight
            if not retryable or attempt == _RETRIES or key is None:
                return HttpAnswer(status, answer_headers, answer, sent_at, attempt)
            time.sleep(0.2 * attempt)
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns

    def _request(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        for reconnect in (False, True):
            connection = self._connection(fresh=reconnect)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                return (
                    response.status,
                    {k.lower(): v for k, v in response.getheaders()},
                    response.read(),
                )
            except (ConnectionError, http.client.HTTPException):
                connection.close()
                if reconnect:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _connection(self, fresh: bool) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None or fresh:
            connection = http.client.HTTPConnection(
                self.host, self.port, timeout=_HTTP_TIMEOUT_SECONDS
            )
            self._local.connection = connection
            with self._lock:
                self._opened.append(connection)
        return connection


def _run_id() -> str:
    # Base32 letters and 2-7: no long digit runs for the card-number guard to mistake for a PAN.
    return base64.b32encode(secrets.token_bytes(5)).decode().lower()


def _payment_body(run_id: str, index: int) -> bytes:
    document = {
        "amount_minor": 1000 + index,
        "currency": "EUR",
        "merchant_reference": f"demo-{run_id}-p{index}",
        "customer_reference": f"customer-p{index}",
        "payment_method": "pm_card_visa",
    }
    return json.dumps(document, separators=(",", ":")).encode()


def run_scenario(
    runtime: LocalRuntime,
    *,
    payments: int = DEFAULT_PAYMENTS,
    timeout_seconds: float = 60.0,
    concurrency: int = 4,
    dsn: str | None = None,
) -> ScenarioResult:
    """Push the demo through `runtime` (started) and report what held; raises ScenarioError
    only when the deployment lacks something the scenario needs."""
    if payments < 1:
        raise ScenarioError("the scenario needs at least one payment")
    started = time.monotonic()
    wiring = discover(runtime, dsn)
    wiring.check_poison_fits(runtime.tuning.failed_visibility_seconds, timeout_seconds)
    api_url = runtime.api_url
    assert api_url is not None  # discover() found the POST /payments route
    client, run_id = _Client(api_url), _run_id()
    bodies = [_payment_body(run_id, i) for i in range(payments)]
    keys = [f"demo-{run_id}-p{i}" for i in range(payments)]
    card_body = json.loads(_payment_body(run_id, payments))
    card_body["payment_method"] = TEST_CARD_NUMBER
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(concurrency, payments))) as pool:
            answers = list(pool.map(client.post, bodies, keys))
        duplicate = client.post(bodies[0], keys[0])
        card = client.post(json.dumps(card_body).encode(), f"demo-{run_id}-card")
    finally:
        client.close()
    poison_id = _send_poison(runtime, wiring, run_id)
    ids = [_payment_id(a) for a in answers]
    deadline = started + timeout_seconds
    with _connect(wiring.conninfo) as conn:
        # A payment whose message was dead-lettered will not settle without a human: stop
        # waiting for it then, and report it.
        settled_in_time = _wait(lambda: _all_resolved(conn, [i for i in ids if i]), deadline)
        audited_in_time = _wait(lambda: _audited(conn, poison_id), deadline)
        facts = _payment_facts(conn, [i for i in ids if i])
        letters = _dead_letters(conn, [poison_id])
        ledger = _ledger_facts(conn, [i for i in ids if i])
        stored_refs = _count_by_reference(conn, [f"demo-{run_id}-p0", f"demo-{run_id}-p{payments}"])
    dlq_left = _dlq_depth(runtime, wiring) if audited_in_time else None
    expectations = [
        Expectation(
            "payments accepted",
            all(a.status == 201 for a in answers) and all(ids),
            f"{sum(a.status == 201 for a in answers)} of {payments} got 201 with a payment id",
        ),
        check_duplicate(answers[0], duplicate, stored_refs[0]),
        check_card_refused(card, stored_refs[1], TEST_CARD_NUMBER),
        check_settled(facts, settled_in_time, timeout_seconds),
        check_ledger(facts, ledger),
        check_dead_letter(poison_id, letters, audited_in_time, wiring.max_receive_count, dlq_left),
        check_logs(runtime.log_dir),
    ]
    journeys = tuple(
        _journey(f"payment {i + 1}", answer, facts.get(payment_id) if payment_id else None)
        for i, (answer, payment_id) in enumerate(zip(answers, ids, strict=True))
    )
    return ScenarioResult(
        run_id=run_id,
        api_url=api_url,
        journeys=journeys,
        dead_letters=tuple(letters),
        expectations=tuple(expectations),
        duration_seconds=round(time.monotonic() - started, 3),
        notes=tuple(runtime.notes()),
    )


def _payment_id(answer: HttpAnswer) -> str | None:
    document = answer.json()
    payment_id = document.get("id") if isinstance(document, dict) else None
    return payment_id if answer.status == 201 and isinstance(payment_id, str) else None


def _send_poison(runtime: LocalRuntime, wiring: Wiring, run_id: str) -> str:
    """A message the worker cannot read, sent with the API function's own role."""
    sqs = runtime.role(wiring.api_function).client("sqs")
    body = f"poison message of demo run {run_id}: not a payment"
    # A group of its own on a FIFO queue: it blocks no payment while it is retried.
    fifo = send_arguments(
        wiring.queue_url, group_id=f"poison-{run_id}", deduplication_id=f"poison-{run_id}"
    )
    return str(sqs.send_message(QueueUrl=wiring.queue_url, MessageBody=body, **fifo)["MessageId"])


@contextmanager
def _connect(conninfo: dict[str, Any]) -> Iterator[Any]:
    import psycopg

    try:
        conn = psycopg.connect(**conninfo, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        raise ScenarioError(f"cannot reach the payments database: {type(exc).__name__}") from None
    with conn:
        yield conn


def _wait(condition: Any, deadline: float) -> bool:
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_SECONDS)


def _all_resolved(conn: Any, ids: list[str]) -> bool:
    """Every payment has a final status or a dead letter."""
    row = conn.execute(
        "SELECT count(*) FROM payments p WHERE p.id = ANY(%s) AND (p.status <> 'pending'"
        " OR EXISTS (SELECT 1 FROM dead_letters d WHERE d.payment_id = p.id))",
        (ids,),
    ).fetchone()
    return bool(row and row[0] == len(ids))


def _audited(conn: Any, message_id: str) -> bool:
    row = conn.execute("SELECT 1 FROM dead_letters WHERE message_id = %s", (message_id,)).fetchone()
    return row is not None


def _payment_facts(conn: Any, ids: list[str]) -> dict[str, PaymentFacts]:
    facts: dict[str, PaymentFacts] = {}
    for payment_id, status, created_at in conn.execute(
        "SELECT id, status, created_at FROM payments WHERE id = ANY(%s)", (ids,)
    ):
        facts[payment_id] = PaymentFacts(payment_id, status, created_at)
    for payment_id, sent_at in conn.execute(
        "SELECT payment_id, min(sent_at) FROM outbox WHERE payment_id = ANY(%s) GROUP BY 1", (ids,)
    ):
        facts[payment_id].enqueued_at = sent_at
    for payment_id, event, created_at in conn.execute(
        "SELECT payment_id, event, created_at FROM payment_events"
        " WHERE payment_id = ANY(%s) AND event <> 'created' ORDER BY id",
        (ids,),
    ):
        facts[payment_id].worker_events.append((event, created_at))
    for payment_id, count in conn.execute(
        "SELECT payment_id, count(*) FROM charges WHERE payment_id = ANY(%s) GROUP BY 1", (ids,)
    ):
        facts[payment_id].charges = int(count)
    for payment_id, count, first in conn.execute(
        "SELECT payment_id, count(*), min(created_at) FROM ledger_entries"
        " WHERE payment_id = ANY(%s) GROUP BY 1",
        (ids,),
    ):
        facts[payment_id].ledger_entries, facts[payment_id].posted_at = int(count), first
    for payment_id, first_seen, reason in conn.execute(
        "SELECT payment_id, min(first_seen_at), min(reason) FROM dead_letters"
        " WHERE payment_id = ANY(%s) GROUP BY 1",
        (ids,),
    ):
        facts[payment_id].dead_lettered = (first_seen, reason)
    if conn.execute("SELECT to_regclass('fake_processor.charges')").fetchone()[0] is not None:
        for payment_id, count in conn.execute(
            "SELECT payment_id, count(*) FROM fake_processor.charges"
            " WHERE payment_id = ANY(%s) AND outcome = 'succeeded' GROUP BY 1",
            (ids,),
        ):
            facts[payment_id].processor_charges = int(count)
    return facts


def _ledger_facts(conn: Any, ids: list[str]) -> LedgerFacts:
    rows = conn.execute(
        "SELECT currency, sum(amount_minor) FILTER (WHERE direction = 'debit'),"
        " sum(amount_minor) FILTER (WHERE direction = 'credit')"
        " FROM ledger_entries WHERE payment_id = ANY(%s) GROUP BY currency",
        (ids,),
    ).fetchall()
    return LedgerFacts({str(c): (int(d or 0), int(k or 0)) for c, d, k in rows})


def _dead_letters(conn: Any, message_ids: list[str]) -> list[DeadLetterEntry]:
    return [
        DeadLetterEntry(message_id, payment_id, reason, int(receives), first_seen)
        for message_id, payment_id, reason, receives, first_seen in conn.execute(
            "SELECT message_id, payment_id, reason, receive_count, first_seen_at"
            " FROM dead_letters WHERE message_id = ANY(%s)",
            (message_ids,),
        )
    ]


def _count_by_reference(conn: Any, references: list[str]) -> list[int]:
    counts = dict(
        conn.execute(
            "SELECT merchant_reference, count(*) FROM payments"
            " WHERE merchant_reference = ANY(%s) GROUP BY 1",
            (references,),
        ).fetchall()
    )
    return [int(counts.get(r, 0)) for r in references]


def _dlq_depth(runtime: LocalRuntime, wiring: Wiring) -> int:
    """Messages left on the DLQ once the auditor had its turn (it deletes what it records)."""
    sqs = runtime.role(wiring.auditor_function).client("sqs")
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    for _ in range(25):
        attributes = sqs.get_queue_attributes(QueueUrl=wiring.dlq_url, AttributeNames=names)
        depth = sum(int(attributes["Attributes"][n]) for n in names)
        if depth == 0:
            return 0
        time.sleep(_POLL_SECONDS)
    return depth


def _journey(label: str, answer: HttpAnswer, facts: PaymentFacts | None) -> PaymentJourney:
    payment_id = facts.payment_id if facts else None
    if facts is None:
        return PaymentJourney(label, payment_id, answer.status, None, (), None)
    steps = [JourneyStep("api", facts.created_at, f"HTTP {answer.status}, payment created")]
    if facts.enqueued_at is not None:
        steps.append(JourneyStep("queue", facts.enqueued_at, "message sent to the payments queue"))
    steps += [JourneyStep("worker", at, event) for event, at in facts.worker_events]
    final_at = facts.worker_events[-1][1] if facts.worker_events else None
    if facts.ledger_entries and final_at is not None:
        # Posted in the transaction that recorded the final event, and committed with it (the
        # entries' own timestamps are that transaction's start).
        steps.append(JourneyStep("ledger", final_at, f"{facts.ledger_entries} entries posted"))
    if facts.dead_lettered is not None:
        audited_at, reason = facts.dead_lettered
        steps.append(JourneyStep("dlq", audited_at, f"dead-lettered and audited: {reason}"))
    latency = (final_at - answer.sent_at).total_seconds() * 1000 if final_at else None
    return PaymentJourney(
        label,
        payment_id,
        answer.status,
        facts.status,
        tuple(steps),
        round(latency, 1) if latency is not None else None,
    )


__all__ = [
    "DEFAULT_PAYMENTS",
    "TEST_CARD_NUMBER",
    "DeadLetterEntry",
    "Expectation",
    "JourneyStep",
    "PaymentJourney",
    "ScenarioError",
    "ScenarioResult",
    "run_scenario",
]
