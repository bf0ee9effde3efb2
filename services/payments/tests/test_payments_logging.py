"""Masked structured logging: 1,000 generated card-number shapes through every log path.

Paths: the event text, values, keys, nested structures, bytes, numbers, exception messages
and tracebacks (structlog and the standard library), and the handlers' own logging of bad
input (API guard, worker poison message, processor errors, DLQ auditor). After each shape, an
independent check (the digits in order with anything between them) must not find it.
"""

from __future__ import annotations

import json
import logging
import random
import re
from typing import Any

import pytest
from payments import api, auditor, worker
from payments.app import App
from payments.logging import bind_correlation, clear_correlation, get_logger
from payments.pan import PAN_MASK, find_pans, luhn_valid
from payments.processor.base import ChargeRequest, ChargeResult, RetryableProcessorError

SHAPES = 1000
SEPARATORS = ["", " ", "-", ".", " - ", "\t", "\u2013", "\u00a0", "  "]
WRAPPERS = [
    "{}",
    "card {} exp 12/27",
    "pan={};",
    "[{}]",
    '"{}"',
    "x{}y",
    "num:{} cvv 123",
]


def _luhn_complete(prefix: str) -> str:
    return next(prefix + d for d in "0123456789" if luhn_valid(prefix + d))


def card_shapes(count: int, seed: int = 20240501) -> list[tuple[str, str]]:
    """(digits, text): Luhn-valid 12-19 digit numbers written in varied shapes."""
    rng = random.Random(seed)
    shapes = []
    for _ in range(count):
        length = rng.randint(12, 19)
        prefix = rng.choice("23456") + "".join(rng.choice("0123456789") for _ in range(length - 2))
        digits = _luhn_complete(prefix)
        form = rng.random()
        if form < 0.1:
            text = f";{digits}=27121010000000000?"
        elif form < 0.2:
            text = f"%B{digits}^DOE/JANE^2712101000?"
        else:
            group = rng.choice([1, 2, 3, 4, 4, 4, 5, 6, length])
            separator = rng.choice(SEPARATORS)
            grouped = separator.join(digits[i : i + group] for i in range(0, length, group))
            text = rng.choice(WRAPPERS).format(grouped)
        shapes.append((digits, text))
    return shapes


def _survives(digits: str, output: str) -> bool:
    """Independent of the detector: the digits in order, up to 3 other characters apart."""
    return re.search(r"\D{0,3}".join(digits), output) is not None


class _ShoutingProcessor:
    """A processor whose error messages quote the card number (as a buggy adapter might)."""

    name = "shouting"

    def __init__(self, text: str) -> None:
        self.text = text

    def charge(self, request: ChargeRequest) -> ChargeResult:
        raise RetryableProcessorError(f"processor said: {self.text}")


def _log_every_way(log: Any, text: str, digits: str) -> None:
    log.info(f"event text {text}")
    log.info("value", card=text)
    log.info("number", n=int(digits))
    log.info("key", **{f"k {text}": 1})
    log.info("nested", payload={"a": [1, {"b": (text, {text})}], text: [text]})
    log.info("bytes", raw=text.encode(), buffer=bytearray(text.encode()))
    log.info("object", thing=ValueError(text))
    try:
        raise RuntimeError(f"charge failed for {text}")
    except RuntimeError:
        log.exception("with traceback")
    try:
        {"card": text}["missing " + text]
    except KeyError as exc:
        log.error("exc_info", exc_info=exc)
    library = logging.getLogger("botocore.endpoint")
    library.warning("library message %s", text)
    library.warning(f"library f-string {text}")
    try:
        raise OSError(text)
    except OSError:
        logging.getLogger("psycopg").exception("library traceback")
    bind_correlation(request_id=text)
    log.info("correlated")
    clear_correlation()


def test_generated_shapes_are_valid_and_varied() -> None:
    shapes = card_shapes(SHAPES)
    assert len(shapes) == SHAPES
    assert all(luhn_valid(d) and 12 <= len(d) <= 19 for d, _ in shapes)
    assert len({t for _, t in shapes}) == SHAPES
    assert {len(d) for d, _ in shapes} == set(range(12, 20))


def test_no_card_number_survives_any_log_path(logs: Any, guard_free_app: App) -> None:
    log = get_logger("masking-test")
    for digits, text in card_shapes(SHAPES):
        _log_every_way(log, text, digits)
        event = {
            "rawPath": "/payments",
            "headers": {"content-type": "application/json", "idempotency-key": "k"},
            "requestContext": {"requestId": "r", "http": {"method": "POST", "path": "/payments"}},
            "body": json.dumps({"merchant_reference": text}),
        }
        assert api.handle(guard_free_app, event)["statusCode"] == 400
        poison = {"Records": [{"messageId": "m-1", "body": json.dumps({"payment_id": text})}]}
        assert worker.handle(guard_free_app, poison) == {
            "batchItemFailures": [{"itemIdentifier": "m-1"}]
        }
        chunk = logs.take()
        assert PAN_MASK in chunk or "[REDACTED-TRACK]" in chunk
        assert not _survives(digits, chunk), text
        assert find_pans(chunk) == []


@pytest.fixture
def guard_free_app() -> App:
    """An app for paths that must not reach a database (a refused request, a poison body)."""
    from payments.config import load_settings

    settings = load_settings(
        {
            "PAYMENTS_ENV": "local",
            "PAYMENTS_DB_HOST": "127.0.0.1",
            "PAYMENTS_DB_PORT": "1",
            "PAYMENTS_DB_NAME": "none",
            "PAYMENTS_DB_USER": "none",
            "PAYMENTS_DB_SSLMODE": "disable",
            "PAYMENTS_MAX_AMOUNT_MINOR": "1000",
            "PAYMENTS_PROCESSOR": "fake",
            "AWS_REGION": "us-east-1",
        }
    )
    return App(settings, "masking")


def test_processor_errors_and_dead_letters_are_masked(
    logs: Any, make_app: Any, kit: Any, conn: Any
) -> None:
    """Where card data could reach storage too: payment history and dead letters."""
    api_app = make_app("api")
    processor = _ShoutingProcessor("")
    worker_app = make_app("worker", processor=processor)
    auditor_app = make_app("dlq_auditor")
    for index, (digits, text) in enumerate(card_shapes(50, seed=7)):
        created = json.loads(kit.post_payment(api_app, f"key-{index}")["body"])
        processor.text = text
        record = {"messageId": f"m-{index}", "body": json.dumps({"payment_id": created["id"]})}
        response = worker.handle(worker_app, {"Records": [record]})
        assert response == {"batchItemFailures": [{"itemIdentifier": f"m-{index}"}]}
        dead = {
            "messageId": f"dead-{index}",
            "body": f"garbage {text}",
            "attributes": {"ApproximateReceiveCount": "4"},
        }
        assert auditor.handle(auditor_app, {"Records": [dead]}) == {"batchItemFailures": []}
        chunk = logs.take()
        assert not _survives(digits, chunk)
        stored = conn.execute(
            "SELECT string_agg(detail, ' ') FROM payment_events WHERE payment_id = %s",
            (created["id"],),
        ).fetchone()[0]
        assert "processor said: " in stored and "[REDACTED-" in stored
        assert not _survives(digits, stored)
        excerpt = conn.execute(
            "SELECT body_excerpt FROM dead_letters WHERE message_id = %s", (f"dead-{index}",)
        ).fetchone()[0]
        assert excerpt.startswith("garbage ") and "[REDACTED-" in excerpt
        assert not _survives(digits, excerpt)
    assert find_pans(logs.text) == []
