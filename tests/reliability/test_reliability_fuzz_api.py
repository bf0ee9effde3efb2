"""Bad-input sweep of the payments API: events with random headers, bodies, encodings and sizes.

The real handler on its real database (conftest.py). For every event: a status below 500, no
exception out of the handler, no card number anywhere in the answer (status, headers, body),
and no card number or exception in what it logged. Defects found are pinned below with the
exact input.

Examples in `make test` (10,000 in the whole sweep, see conftest.py): API events 5,000 and
events of any shape 1,000.
"""

from __future__ import annotations

import base64
import json
import string
from typing import Any
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st
from payments import api, idempotency
from payments.http import MAX_BODY_BYTES
from payments.pan import contains_pan, find_pans

from .conftest import Apps, check_new_logs, sweep

CARD_NUMBERS = ("4111111111111111", "4242 4242 4242 4242", "5555-5555-5555-4444", "378282246310005")

text = st.text(max_size=40)
card = st.sampled_from(CARD_NUMBERS)
# What JSON escapes can put in an event and PostgreSQL or a UTF-8 stream refuse or mangle.
odd_char = st.sampled_from(["\x00", "\ud800", "\udfff", "\ufeff", "\uffff", "\u2028", "\x85"])
odd_text = st.builds(lambda a, c, b: a + c + b, text, odd_char, text)


def digit_run_across_cut(pad: int, number: str, tail: str) -> str:
    """`pad` letters, then a card number glued to more digits: one run too long to be a PAN,
    whose head is one when a cut falls inside it (an excerpt, a truncated field name)."""
    return "x" * pad + "".join(c for c in number if c.isdigit()) + tail


# Pads that put the 256-character excerpt cut or the 64-character field-name cut in the run.
pads = st.one_of(
    st.integers(0, 300), st.integers(256 - 19, 256 - 12), st.integers(64 - 19, 64 - 12)
)
run_across_cut = st.builds(
    digit_run_across_cut, pads, card, st.text(string.digits, min_size=1, max_size=4)
)
maybe_card_text = st.one_of(
    text, card, st.builds(lambda a, c: a + c, text, card), odd_text, run_across_cut
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | maybe_card_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=8,
)
known_fields = st.fixed_dictionaries(
    {},
    optional={
        "amount_minor": st.one_of(st.integers(-10, 2_000_000), json_value),
        "currency": st.one_of(st.sampled_from(["EUR", "USD", "JPY", "eur", "XXX", ""]), json_value),
        "merchant_reference": maybe_card_text,
        "customer_reference": maybe_card_text,
        "payment_method": st.one_of(
            st.sampled_from(["pm_card_visa", "tok_chargeDeclined"]), maybe_card_text
        ),
        "extra": json_value,
    },
)
# Unknown fields too: their names are echoed (cut to 64 characters) in the 400's field errors.
payment_document = st.builds(
    lambda known, unknown: {**unknown, **known},
    known_fields,
    st.dictionaries(maybe_card_text, json_value, max_size=2),
)
valid_document = st.fixed_dictionaries(
    {
        "amount_minor": st.integers(1, 1_000_000),
        "currency": st.sampled_from(["EUR", "USD", "JPY"]),
        "merchant_reference": st.text(string.ascii_letters, min_size=1, max_size=20),
        "customer_reference": st.text(string.ascii_letters, min_size=1, max_size=20),
        "payment_method": st.sampled_from(["pm_card_visa", "tok_chargeDeclined"]),
    }
)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-32", "latin-1"]


def _encode(document: Any, encoding: str) -> bytes:
    raw = json.dumps(document, ensure_ascii=False)
    errors = "surrogatepass" if encoding.startswith("utf") else "replace"
    return raw.encode(encoding, errors)


def _sized(head: bytes, filler: bytes, size: int) -> bytes:
    """`head` padded with `filler` to exactly `size` bytes. Big bodies are built, not drawn:
    16 KiB drawn byte by byte overruns Hypothesis' buffer and the example is thrown away."""
    return (head + filler * size)[:size]


encoded_document = st.builds(_encode, payment_document | valid_document, st.sampled_from(ENCODINGS))
body_bytes = st.one_of(
    encoded_document,
    st.binary(max_size=64),
    st.builds(  # around the size limit: a document padded with blanks, card digits or junk
        _sized,
        encoded_document | st.binary(max_size=32),
        st.sampled_from([b" ", b"\n", b"0", b"\xff", b"4111 1111 1111 1111 "]),
        st.integers(MAX_BODY_BYTES - 4, MAX_BODY_BYTES + 4),
    ),
    st.builds(
        lambda opener, n: opener * n, st.sampled_from([b'{"a":', b"["]), st.integers(1, 3000)
    ),
)
header_names = st.sampled_from(
    [
        "content-type",
        "Content-Type",
        "idempotency-key",
        "Idempotency-Key",
        "content-length",
        "x-trace",
        "authorization",
        "x-amzn-trace-id",
        "card_number",
    ]
)
headers = st.dictionaries(
    header_names | maybe_card_text,
    st.one_of(
        st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain"]),
        maybe_card_text,
    ),
    max_size=4,
)
paths = st.one_of(
    st.sampled_from(["/payments", "/payments/", "/payments/pay_x", "/", "/payments/a/b"]),
    st.builds(
        lambda s: "/payments/pay_" + s,
        st.text("abcdefghijklmnopqrstuvwxyz234567", min_size=26, max_size=26),
    ),
    st.builds(lambda s: "/payments/" + s, maybe_card_text),
    maybe_card_text,
)
queries = st.one_of(st.just(""), maybe_card_text, st.builds(lambda s: "q=" + quote(s), card))


authorizers = st.one_of(
    st.none(),
    st.builds(lambda sub: {"jwt": {"claims": {"sub": sub}}}, maybe_card_text),
    st.sampled_from([{}, [], "jwt", {"jwt": None}, {"iam": {"userArn": 7}}, {"lambda": {}}]),
)


# Short, so keys repeat across examples: replays and reuse with another body (409).
idempotency_keys = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=8)


@st.composite
def http_events(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        # Near a valid POST /payments: the checks after routing, and the database, are reached.
        method, path = "POST", "/payments"
        body = draw(st.builds(_encode, payment_document | valid_document, st.just("utf-8")))
        key = draw(idempotency_keys | text)
    else:
        method = draw(st.sampled_from(["POST", "GET", "post", "PUT", ""]))
        path = draw(paths)
        body = draw(body_bytes)
        key = draw(text)
    as_base64 = draw(st.booleans())
    raw: Any = base64.b64encode(body).decode() if as_base64 else body.decode("utf-8", "replace")
    if draw(st.integers(0, 9)) == 0:
        raw = draw(st.none() | json_value)
    event: dict[str, Any] = {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": draw(queries),
        "headers": {"idempotency-key": key, "content-type": "application/json", **draw(headers)},
        "requestContext": {
            "requestId": draw(maybe_card_text),
            "http": {"method": method, "path": path},
            "authorizer": draw(authorizers),
        },
        "body": raw,
        "isBase64Encoded": as_base64 if draw(st.integers(0, 9)) else draw(json_value),
    }
    for key in draw(st.lists(st.sampled_from(sorted(event)), max_size=2)):
        event[key] = draw(json_value)  # a damaged event: any field of any type
    return event


def _check(apps: Apps, event: Any) -> dict[str, Any]:
    apps.log.take()
    answer = api.handle(apps.api, event)
    check_new_logs(apps)
    assert isinstance(answer["statusCode"], int)
    assert answer["statusCode"] < 500, (answer["statusCode"], answer["body"])
    # Each string as it is, then the whole answer as the client reads it (escapes included).
    assert not contains_pan(answer), "card data echoed back"
    assert find_pans(json.dumps(answer)) == [], "card data echoed back"
    return answer


@sweep("api_events")
@given(event=http_events())
def test_no_api_event_gets_a_5xx_or_an_echoed_card_number(
    apps: Apps, event: dict[str, Any]
) -> None:
    _check(apps, event)


@sweep("api_shapes")
@given(event=st.one_of(json_value, st.dictionaries(text, json_value, max_size=4)))
def test_events_of_any_shape_are_refused_cleanly(apps: Apps, event: Any) -> None:
    _check(apps, event)


def _post(body: str | None, request_id: str) -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": "/payments",
        "rawQueryString": "",
        "headers": {"idempotency-key": "", "content-type": "application/json"},
        "requestContext": {
            "requestId": request_id,
            "http": {"method": "POST", "path": "/payments"},
            "authorizer": None,
        },
        "body": body,
        "isBase64Encoded": False,
    }


def test_found_a_request_id_that_passes_the_luhn_check_is_not_echoed(apps: Apps) -> None:
    # Found by the sweep (shrunk): x-request-id echoed the event's requestId as it was.
    answer = _check(apps, _post(None, request_id="000000000000"))
    assert answer["statusCode"] == 400
    assert answer["headers"]["x-request-id"] == "[REDACTED-PAN]"


def test_found_a_lone_surrogate_in_a_request_id_is_logged_not_raised(apps: Apps) -> None:
    # Found by the sweep (shrunk): the log line could not be written to a UTF-8 stdout, so the
    # handler raised instead of answering.
    answer = _check(apps, _post("", request_id="\ud800"))
    assert answer["statusCode"] == 400
    assert '"request_id":"\\ud800"' in apps.log.getvalue()


def test_found_a_lone_surrogate_in_the_callers_identity_is_no_500(apps: Apps) -> None:
    # Found by the sweep (shrunk): hashing the idempotency key with the caller's identity
    # raised UnicodeEncodeError, and the valid payment got a 500.
    event = {
        "version": "2.0",
        "rawPath": "/payments",
        "rawQueryString": "",
        "headers": {"idempotency-key": "0", "content-type": "application/json"},
        "requestContext": {
            "requestId": "",
            "http": {"method": "POST", "path": "/payments"},
            "authorizer": {"jwt": {"claims": {"sub": "\ud800"}}},
        },
        "body": '{"amount_minor": 1, "currency": "EUR", "merchant_reference": "A",'
        ' "customer_reference": "A", "payment_method": "pm_card_visa"}',
        "isBase64Encoded": False,
    }
    with apps.api.db.session() as conn:  # the sweep may have used this caller and key
        conn.execute(
            "DELETE FROM idempotency_records WHERE key_hash = %s",
            (idempotency.key_hash("jwt:\ud800", "0"),),
        )
    first = _check(apps, event)
    assert first["statusCode"] == 201
    again = _check(apps, event)  # the same caller and key: the stored response is replayed
    assert again["statusCode"] == 201 and again["body"] == first["body"]
    assert again["headers"]["idempotent-replayed"] == "true"


def test_found_a_long_unknown_field_is_named_without_card_data(apps: Apps) -> None:
    # Found by inspection (the sweep can generate it, rarely): a 20-digit run is no PAN, but
    # the field name in the 400 is cut to 64 characters, which left "4111111111111111", and
    # the answer was withheld as a 500.
    name = digit_run_across_cut(48, "4111111111111111", "0000")
    answer = _check(apps, _post(json.dumps({name: 1}), request_id="r-1"))
    assert answer["statusCode"] == 400
    fields = [e["field"] for e in json.loads(answer["body"])["errors"]]
    assert "x" * 48 + "[REDACTED-PAN]..." in fields


def test_no_card_number_reached_the_logs(apps: Apps) -> None:
    assert find_pans(apps.log.getvalue()) == []
