"""Processor adapters: the deterministic fake with its journal, and the Stripe-shaped adapter
against a local HTTP server on 127.0.0.1 (no internet)."""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
import pytest
from payments.config import FakeFaults
from payments.processor.base import (
    ChargeRequest,
    PermanentProcessorError,
    ProcessorTimeout,
    RetryableProcessorError,
)
from payments.processor.fake import (
    FakeProcessor,
    ensure_journal,
    fate_of,
    grant_journal,
    journal_summary,
)
from payments.processor.stripe import API_VERSION, StripeProcessor
from pcizone.local.postgres import SUPERUSER, PostgresServer
from psycopg import sql

REQUEST = ChargeRequest(
    payment_id="pay_" + "a" * 26,
    amount_minor=1250,
    currency="EUR",
    payment_method="pm_card_visa",
    idempotency_key="pcz-pay_" + "a" * 26,
)


# -- the fake --------------------------------------------------------------------------


def test_fates_are_deterministic_and_follow_the_rates() -> None:
    faults = FakeFaults(seed=3, decline=0.1, error=0.2, timeout=0.1)
    fates = [fate_of(faults, f"key-{i}", 1) for i in range(4000)]
    assert fates == [fate_of(faults, f"key-{i}", 1) for i in range(4000)]
    share = {fate: fates.count(fate) / len(fates) for fate in set(fates)}
    assert share["decline"] == pytest.approx(0.1, abs=0.02)
    assert share["error"] == pytest.approx(0.2, abs=0.02)
    assert share["timeout_before"] + share["timeout_after"] == pytest.approx(0.1, abs=0.02)
    assert fates != [
        fate_of(FakeFaults(seed=4, decline=0.1, error=0.2, timeout=0.1), f"key-{i}", 1)
        for i in range(4000)
    ]
    assert {fate_of(FakeFaults(), f"k{i}", 1) for i in range(100)} == {"ok"}


@pytest.fixture
def fake(db: Any) -> Iterator[FakeProcessor]:
    processor = FakeProcessor(lambda: psycopg.connect(db.dsn, autocommit=True))
    yield processor
    processor.close()


def test_the_key_makes_a_repeat_a_replay(fake: FakeProcessor, conn: Any) -> None:
    first = fake.charge(REQUEST)
    again = fake.charge(REQUEST)
    assert first.outcome == "succeeded" and not first.replayed
    assert (again.processor_charge_id, again.replayed) == (first.processor_charge_id, True)
    summary = journal_summary(conn)
    assert (summary.requests, summary.charges, summary.succeeded) == (2, 1, 1)
    assert summary.double_charged == ()


def test_a_key_reused_for_other_parameters_is_refused(fake: FakeProcessor) -> None:
    fake.charge(REQUEST)
    changed = ChargeRequest(**{**REQUEST.__dict__, "amount_minor": 999})
    with pytest.raises(PermanentProcessorError, match="different parameters"):
        fake.charge(changed)


def test_declining_tokens_are_declined_and_replayed_as_declines(fake: FakeProcessor) -> None:
    declined = ChargeRequest(**{**REQUEST.__dict__, "payment_method": "tok_chargeDeclined"})
    result = fake.charge(declined)
    assert (result.outcome, result.decline_code) == ("declined", "card_declined")
    assert fake.charge(declined).outcome == "declined"


def test_a_timeout_after_the_charge_is_found_by_the_retry(db: Any, conn: Any) -> None:
    faults = FakeFaults(seed=0, timeout=1.0)
    key = next(
        f"k-{i}"
        for i in range(200)
        if fate_of(faults, f"k-{i}", 1) == "timeout_after"
        and fate_of(faults, f"k-{i}", 2) != "timeout_before"
    )
    processor = FakeProcessor(lambda: psycopg.connect(db.dsn, autocommit=True), faults)
    request = ChargeRequest(**{**REQUEST.__dict__, "idempotency_key": key})
    with pytest.raises(ProcessorTimeout, match="after charging"):
        processor.charge(request)
    assert journal_summary(conn).charges == 1  # the money moved although we got no answer
    processor.faults = FakeFaults()
    replay = processor.charge(request)
    assert replay.replayed and replay.outcome == "succeeded"
    assert journal_summary(conn).succeeded == 1
    processor.close()


def test_the_journal_outlives_the_process_that_wrote_it(db: Any, fake: FakeProcessor) -> None:
    fake.charge(REQUEST)
    fake.close()
    fresh = FakeProcessor(lambda: psycopg.connect(db.dsn, autocommit=True))
    assert fresh.charge(REQUEST).replayed
    fresh.close()


def test_a_role_without_ddl_rights_charges_through_a_journal_granted_to_it(
    postgres_server: PostgresServer,
) -> None:
    """As deployed: the migrator (owner) creates and grants the journal; the service's role
    reads and appends, and can neither change the schema nor rewrite what was journaled."""
    suffix = secrets.token_hex(4)
    dbname, role, password = f"journal_{suffix}", f"journal_app_{suffix}", secrets.token_hex(16)
    postgres_server.create_role(role, password)
    postgres_server.create_database(dbname, SUPERUSER)
    try:
        with postgres_server.connect(dbname) as owner:
            owner.execute(
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                    sql.Identifier(dbname), sql.Identifier(role)
                )
            )
            ensure_journal(owner)
            grant_journal(owner, role)
        dsn = postgres_server.dsn(dbname, role, password)
        processor = FakeProcessor(lambda: psycopg.connect(dsn, autocommit=True))
        try:
            first, again = processor.charge(REQUEST), processor.charge(REQUEST)
        finally:
            processor.close()
        assert (first.outcome, again.replayed) == ("succeeded", True)
        with psycopg.connect(dsn, autocommit=True) as app:
            assert (journal_summary(app).requests, journal_summary(app).charges) == (2, 1)
            for statement in (
                "CREATE TABLE fake_processor.extra (id int)",
                "UPDATE fake_processor.charges SET outcome = 'declined'",
                "DELETE FROM fake_processor.requests",
                "TRUNCATE fake_processor.charges",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    app.execute(statement.encode())
    finally:
        postgres_server.drop_database(dbname)
        with postgres_server.connect() as admin:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


# -- the Stripe-shaped adapter ---------------------------------------------------------


class FakeStripe(BaseHTTPRequestHandler):
    """Answers from a script: a list of (status, JSON body, extra headers, delay seconds)."""

    script: list[tuple[int, dict[str, Any], dict[str, str], float]]
    seen: list[dict[str, Any]]

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode()) if length else {}
        self.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "form": form}
        )
        status, body, headers, delay = self.script.pop(0)
        time.sleep(delay)
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            for name, value in {"content-type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def stripe() -> Iterator[tuple[type[FakeStripe], str]]:
    handler = type("Handler", (FakeStripe,), {"script": [], "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _intent(status: str = "succeeded") -> dict[str, Any]:
    return {"id": "pi_123", "object": "payment_intent", "status": status}


def _adapter(url: str, keys: list[str] | None = None, timeout: float = 2.0) -> StripeProcessor:
    supply = iter(keys or ["sk_test_one"])
    return StripeProcessor(lambda: next(supply), base_url=url, timeout=timeout)


def test_a_successful_charge_sends_the_payments_idempotency_key(stripe: Any) -> None:
    handler, url = stripe
    handler.script += [
        (200, _intent(), {}, 0.0),
        (200, _intent(), {"Idempotent-Replayed": "true"}, 0.0),
    ]
    adapter = _adapter(url)
    first = adapter.charge(REQUEST)
    retry = adapter.charge(REQUEST)
    assert (first.outcome, first.processor_charge_id, first.replayed) == (
        "succeeded",
        "pi_123",
        False,
    )
    assert retry.replayed
    sent = handler.seen[0]
    assert sent["path"] == "/v1/payment_intents"
    assert sent["headers"]["Idempotency-Key"] == REQUEST.idempotency_key
    assert handler.seen[1]["headers"]["Idempotency-Key"] == REQUEST.idempotency_key
    assert sent["headers"]["Authorization"] == "Bearer sk_test_one"
    assert sent["headers"]["Stripe-Version"] == API_VERSION
    assert sent["form"] == {
        "amount": ["1250"],
        "currency": ["eur"],
        "confirm": ["true"],
        "automatic_payment_methods[enabled]": ["true"],
        "automatic_payment_methods[allow_redirects]": ["never"],
        "metadata[payment_id]": [REQUEST.payment_id],
        "payment_method": ["pm_card_visa"],
    }


def test_a_card_token_goes_as_payment_method_data(stripe: Any) -> None:
    handler, url = stripe
    handler.script.append((200, _intent(), {}, 0.0))
    _adapter(url).charge(ChargeRequest(**{**REQUEST.__dict__, "payment_method": "tok_visa"}))
    form = handler.seen[0]["form"]
    assert form["payment_method_data[type]"] == ["card"]
    assert form["payment_method_data[card][token]"] == ["tok_visa"]
    assert "payment_method" not in form


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            402,
            {
                "error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": "insufficient_funds",
                    "payment_intent": {"id": "pi_9"},
                }
            },
            ("declined", "insufficient_funds"),
        ),
        (200, _intent("requires_payment_method"), ("declined", "requires_payment_method")),
        (200, _intent("requires_action"), ("declined", "requires_action")),
    ],
)
def test_declines(
    stripe: Any, status: int, body: dict[str, Any], expected: tuple[str, str]
) -> None:
    handler, url = stripe
    handler.script.append((status, body, {}, 0.0))
    result = _adapter(url).charge(REQUEST)
    assert (result.outcome, result.decline_code) == expected


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (500, {"error": {"type": "api_error"}}, RetryableProcessorError, "HTTP 500"),
        (503, {}, RetryableProcessorError, "HTTP 503"),
        (429, {"error": {"type": "rate_limit_error"}}, RetryableProcessorError, "HTTP 429"),
        (409, {"error": {"type": "idempotency_error"}}, RetryableProcessorError, "HTTP 409"),
        (
            400,
            {"error": {"type": "idempotency_error", "code": "idempotency_key_in_use"}},
            PermanentProcessorError,
            "idempotency_error",
        ),
        (
            400,
            {"error": {"type": "invalid_request_error", "code": "resource_missing"}},
            PermanentProcessorError,
            "resource_missing",
        ),
    ],
)
def test_errors_say_whether_to_retry(
    stripe: Any, status: int, body: dict[str, Any], error: type[Exception], message: str
) -> None:
    handler, url = stripe
    handler.script.append((status, body, {}, 0.0))
    with pytest.raises(error, match=message):
        _adapter(url).charge(REQUEST)


def test_a_refused_key_is_read_again_after_rotation(stripe: Any) -> None:
    handler, url = stripe
    handler.script += [
        (401, {"error": {"type": "invalid_request_error"}}, {}, 0.0),
        (200, _intent(), {}, 0.0),
    ]
    adapter = _adapter(url, keys=["sk_old", "sk_rotated"])
    with pytest.raises(RetryableProcessorError, match="API key refused"):
        adapter.charge(REQUEST)
    assert adapter.charge(REQUEST).outcome == "succeeded"
    assert [s["headers"]["Authorization"] for s in handler.seen] == [
        "Bearer sk_old",
        "Bearer sk_rotated",
    ]


def test_a_processing_intent_is_read_again(stripe: Any) -> None:
    handler, url = stripe
    handler.script += [(200, _intent("processing"), {}, 0.0), (200, _intent(), {}, 0.0)]
    assert _adapter(url).charge(REQUEST).outcome == "succeeded"
    assert (handler.seen[1]["method"], handler.seen[1]["path"]) == (
        "GET",
        "/v1/payment_intents/pi_123",
    )
    assert "Idempotency-Key" not in handler.seen[1]["headers"]


def test_no_answer_in_time_is_a_timeout(stripe: Any) -> None:
    handler, url = stripe
    handler.script.append((200, _intent(), {}, 0.6))
    with pytest.raises(ProcessorTimeout):
        _adapter(url, timeout=0.2).charge(REQUEST)


def test_nothing_listening_is_retryable() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RetryableProcessorError, match="network error"):
        _adapter(f"http://127.0.0.1:{port}").charge(REQUEST)


def test_the_key_is_never_sent_over_plain_http_to_a_remote_host() -> None:
    with pytest.raises(ValueError, match="must be https"):
        StripeProcessor(lambda: "sk", base_url="http://api.stripe.com")
