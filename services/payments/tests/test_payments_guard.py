"""The card-number guard, alone and through the API handler, with hypothesis properties.

Properties: any request carrying card data, wherever and however it is written, gets 400 with
the guard's message, and no card number reaches a response or a log line; any request at all
gets an answer below 500.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from payments import api
from payments.app import App
from payments.config import load_settings
from payments.guard import CARD_DATA_MESSAGE, document_reason, headers_reason, text_reason
from payments.pan import find_pans, luhn_valid

VISA = "4111111111111111"
SEPARATORS = ["", " ", "-", ".", " - ", "\t", "\u2013", "\u00a0"]


def _complete(prefix: str) -> str:
    return next(prefix + d for d in "0123456789" if luhn_valid(prefix + d))


# -- the guard's functions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"note": f"card {VISA}"}, "pan"),
        ({"a": [{"b": {"c": "4111 1111 1111 1111"}}]}, "pan"),
        ({"amount_minor": int(VISA)}, "pan"),
        ({VISA: "as a key"}, "pan"),
        ({"cvv": "123"}, "card_field"),
        ({"billing": {"card_cvc2": 1}}, "card_field"),
        ({"CardNumber": "x"}, "card_field"),
        ({"security-code": "x"}, "card_field"),
        ({"note": "cvv: 123"}, "cvv_text"),
        ({"note": f";{VISA}=2512101"}, "track"),
        ({"note": "clean", "n": 12, "list": [1.5, None, True]}, None),
        ({"pin_code_hint": "x", "company": "Spin Ltd", "cid_ref": "c1"}, None),
    ],
)
def test_document_reasons(document: object, reason: str | None) -> None:
    assert document_reason(document) == reason


def test_deep_documents_do_not_exhaust_the_stack() -> None:
    document: object = {"note": VISA}
    for _ in range(50_000):
        document = [document]
    assert document_reason(document) == "pan"


def test_header_guard_skips_infrastructure_headers_only() -> None:
    assert headers_reason({"x-note": VISA}) == "pan"
    assert headers_reason({"idempotency-key": f"k-{VISA}"}) == "pan"
    assert headers_reason({"x-card-number": "x"}) == "card_field"
    assert headers_reason({"x-amzn-trace-id": f"Root=1-{VISA}"}) is None
    # A kernel version that happens to pass Luhn: never logged or stored, so not refused.
    agent = "aws-sdk-java/1.12.561 Linux/5.10.205-195.801.amzn2"
    assert find_pans(agent) and headers_reason({"user-agent": agent}) is None
    assert text_reason("order 1234 5678") is None


# -- through the handler -----------------------------------------------------------------


@pytest.fixture(scope="module")
def guard_app() -> App:
    """An app whose database cannot be reached: a refused request must never need it."""
    settings = load_settings(
        {
            "PAYMENTS_ENV": "local",
            "PAYMENTS_DB_HOST": "127.0.0.1",
            "PAYMENTS_DB_PORT": "1",
            "PAYMENTS_DB_NAME": "unreachable",
            "PAYMENTS_DB_USER": "nobody",
            "PAYMENTS_DB_SSLMODE": "disable",
            "PAYMENTS_MAX_AMOUNT_MINOR": "1000000",
            "PAYMENTS_PROCESSOR": "fake",
            "PAYMENTS_QUEUE_URL": "http://127.0.0.1:1/queue",
            "AWS_REGION": "us-east-1",
        }
    )
    return App(settings, "api")


def _pan(length: int, seed: int) -> str:
    return _complete(f"{seed:019d}"[-(length - 1) :])


def pan_shapes() -> st.SearchStrategy[tuple[str, str]]:
    """(digits, how they are written): a Luhn-valid number of 12-19 digits in groups.

    Built from a few integer draws: hypothesis spends ~1 ms an example already, so cheap
    strategies keep 5,000 examples within seconds."""
    return st.builds(
        lambda length, seed, separator, group: (
            (pan := _pan(length, seed)),
            separator.join(pan[i : i + group] for i in range(0, len(pan), group)),
        ),
        st.integers(12, 19),
        st.integers(0, 10**19 - 1),
        st.sampled_from(SEPARATORS),
        st.integers(1, 19),
    )


_WORDS = ["", "card", "pan:", "note -", "x", "ref/7", "order_9 ", "\u00e9t\u00e9"]


def card_data() -> st.SearchStrategy[tuple[str, str]]:
    """(digits to look for in the output, text that carries card data)."""
    return st.builds(
        lambda shape, kind, before, after: (
            shape[0],
            {
                "plain": shape[1],
                "text": f"{before} {shape[1]} {after}",
                "track1": f"%B{shape[0]}^DOE/JANE^2512101?",
                "track2": f";{shape[0]}=2512101000?",
            }[kind],
        ),
        pan_shapes(),
        st.sampled_from(["plain", "text", "track1", "track2"]),
        st.sampled_from(_WORDS),
        st.sampled_from(_WORDS),
    )


def _json_with(value: Any, where: int, as_key: bool) -> str:
    body: dict[str, Any] = {
        "amount_minor": 100,
        "currency": "EUR",
        "merchant_reference": "m-1",
        "customer_reference": "c-1",
        "payment_method": "pm_card_visa",
    }
    fields = list(body)
    if as_key:
        body[str(value)] = "x"
    elif where < len(fields):
        body[fields[where]] = value
    else:
        body["metadata"] = {"nested": [{"deep": value}]}
    return json.dumps(body, ensure_ascii=where % 2 == 0)


PLACES = [
    "body", "body_number", "body_key", "raw_body", "base64", "query", "header",
    "idempotency_key", "path", "cvv_field", "cvv_text", "wrong_content_type",
]  # fmt: skip
CVV_NAMES = ["cvv", "CVC2", "card_cvv", "securityCode", "cvn"]
CVV_WORDS = ["cvv", "CVC", "cvv2"]


def _card_request(
    data: tuple[str, str], place: str, where: int, cvv_name: str, cvv_word: str, code: int
) -> tuple[str, dict[str, Any]]:
    """(digits that must not be echoed, "" for CVV cases; an event carrying card data)."""
    digits, text = data
    headers = {"content-type": "application/json", "idempotency-key": "key-1"}
    path, query, body, b64 = "/payments", "", "{}", False
    if place == "body_number" and digits[0] == "0":
        place = "body"  # a JSON number cannot keep leading zeros
    if place == "body":
        body = _json_with(text, where, as_key=False)
    elif place == "body_number":
        body = _json_with(int(digits), where, as_key=False)
    elif place == "body_key":
        body = _json_with(text, where, as_key=True)
    elif place == "raw_body":
        body = f"not json {text}"
    elif place == "base64":
        body, b64 = _json_with(text, where, as_key=False), True
    elif place == "query":
        query = "note=" + text.replace(" ", "+")
    elif place == "header":
        headers["x-client-note"] = text
    elif place == "idempotency_key":
        headers["idempotency-key"] = text
    elif place == "path":
        path = f"/payments/{text}"
    elif place == "cvv_field":
        digits, body = "", _json_with({cvv_name: code}, where, as_key=False)
    elif place == "cvv_text":
        digits, body = "", _json_with(f"{cvv_word}: {code}", where, as_key=False)
    else:
        headers["content-type"] = "text/plain"
        body = text
    event = {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {"requestId": "req-guard", "http": {"method": "POST", "path": path}},
        "body": base64.b64encode(body.encode()).decode() if b64 else body,
        "isBase64Encoded": b64,
    }
    return digits, event


requests_with_card_data = st.builds(
    _card_request,
    card_data(),
    st.sampled_from(PLACES),
    st.integers(0, 5),
    st.sampled_from(CVV_NAMES),
    st.sampled_from(CVV_WORDS),
    st.integers(100, 9999),
)


def _digits_pattern(digits: str) -> re.Pattern[str]:
    """The digits in order with any non-digit characters between them: independent of the
    detector, so it also catches a PAN the detector would miss in the output."""
    return re.compile(r"\D{0,3}".join(digits))


@settings(
    max_examples=5000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(requests_with_card_data)
def test_card_data_anywhere_is_refused_and_never_echoed(
    guard_app: App, logs: Any, case: tuple[str, dict[str, Any]]
) -> None:
    digits, event = case
    logs.take()
    response = api.handle(guard_app, event)
    new_logs = logs.take()
    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {
        "error": CARD_DATA_MESSAGE,
        "code": "card_data_rejected",
    }
    assert find_pans(new_logs) == [] and find_pans(str(response)) == []
    if digits:
        assert not _digits_pattern(digits).search(new_logs)
        assert not _digits_pattern(digits).search(str(response))
    rejected = [
        e for e in map(json.loads, new_logs.splitlines()) if e["event"] == "card_data_rejected"
    ]
    assert len(rejected) == 1


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12))
_json_values = st.one_of(
    _scalars,
    st.lists(_scalars, max_size=3),
    st.dictionaries(st.text(max_size=6), _scalars, max_size=3),
)
_field_values = {
    "amount_minor": st.one_of(st.integers(-5, 2_000_000), _scalars),
    "currency": st.one_of(st.sampled_from(["EUR", "usd", "XXX", "JPY", "EURO"]), _scalars),
    "merchant_reference": st.one_of(st.sampled_from(["m-1", " m", "m" * 65]), _scalars),
    "customer_reference": st.one_of(st.sampled_from(["c-1", "c\n", ""]), _scalars),
    "payment_method": st.one_of(
        st.sampled_from(["pm_card_visa", "tok_visa", "pm_", "card"]), _scalars
    ),
}
_CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain", ""]


_METHODS = st.sampled_from(["POST", "POST", "POST", "GET", "PUT", "DELETE"])
_PATHS = st.one_of(
    st.sampled_from(["/payments", "/payments/", "/payments/pay_" + "a" * 26, "/", ""]),
    st.text(max_size=20).map(lambda t: "/payments/" + t),
)
_BODY_KINDS = st.sampled_from(["fields", "fields", "json", "text", "bytes", "none"])
_FIELD_SETS = st.sets(st.sampled_from(sorted(_field_values)))
_SHORT_TEXT = st.text(max_size=40)
_BYTES = st.binary(max_size=40)
_CONTENT_TYPE = st.sampled_from(_CONTENT_TYPES)
_KEYS = st.one_of(st.just("k-1"), st.text(max_size=300))
_QUERIES = st.sampled_from(["", "a=1", "%ZZ", "x=%E2%82"])


@st.composite
def any_request(draw: st.DrawFn) -> dict[str, Any]:
    """Requests of every shape; some valid, most not, none carrying card data on purpose."""
    method, path, kind = draw(_METHODS), draw(_PATHS), draw(_BODY_KINDS)
    body: str | None = None
    raw_bytes: bytes | None = None
    if kind == "fields":
        chosen = sorted(draw(_FIELD_SETS))
        body = json.dumps({name: draw(_field_values[name]) for name in chosen})
    elif kind == "json":
        body = json.dumps(draw(_json_values))
    elif kind == "text":
        body = draw(_SHORT_TEXT)
    elif kind == "bytes":
        raw_bytes = draw(_BYTES)
    headers = {"content-type": draw(_CONTENT_TYPE)}
    if draw(st.booleans()):
        headers["x-extra"] = draw(_SHORT_TEXT)
    if draw(st.booleans()):
        headers["idempotency-key"] = draw(_KEYS)
    return {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": draw(_QUERIES),
        "headers": headers,
        "requestContext": {"requestId": "req-any", "http": {"method": method, "path": path}},
        "body": base64.b64encode(raw_bytes).decode() if raw_bytes is not None else body,
        "isBase64Encoded": raw_bytes is not None,
    }


@settings(
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(any_request())
def test_any_request_gets_an_answer_below_500(
    api_app_with_null_queue: App, logs: Any, event: dict[str, Any]
) -> None:
    logs.take()
    response = api.handle(api_app_with_null_queue, event)
    assert 200 <= response["statusCode"] < 500, response
    assert json.loads(response["body"])  # always a JSON document
    assert find_pans(str(response)) == []
    assert find_pans(logs.take()) == []


class _NullQueue:
    """Stands in for SQS here: this property is about the API's answers, not delivery."""

    def send(self, body: str) -> str:
        return "null"


@pytest.fixture
def api_app_with_null_queue(db: Any) -> Any:
    app = App(db.settings(PAYMENTS_QUEUE_URL="http://127.0.0.1:1/q"), "api", sender=_NullQueue())
    yield app
    app.db.close()
