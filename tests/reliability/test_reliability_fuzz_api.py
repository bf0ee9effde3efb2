"""Bad-input sweep of the payments API: events with random headers, bodies, encodings and sizes.

Never a 5xx, never an exception out of the handler, never a card number echoed back.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from payments import api
from payments.pan import contains_pan

from .conftest import FUZZ_EXAMPLES, Apps

CARD_NUMBERS = ("4111111111111111", "4242 4242 4242 4242", "5555-5555-5555-4444", "378282246310005")
SWEEP = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = st.text(max_size=40)
card = st.sampled_from(CARD_NUMBERS)
maybe_card_text = st.one_of(text, card, st.builds(lambda a, c: a + c, text, card))
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | maybe_card_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
payment_document = st.fixed_dictionaries(
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


def _encode(document: Any, encoding: str) -> bytes:
    raw = json.dumps(document, ensure_ascii=False)
    errors = "surrogatepass" if encoding.startswith("utf") else "replace"
    return raw.encode(encoding, errors)


body_bytes = st.one_of(
    st.builds(
        _encode, payment_document, st.sampled_from(["utf-8", "utf-16", "utf-32", "latin-1"])
    ).filter(bool),
    st.binary(max_size=64),
    st.binary(min_size=16 * 1024 - 4, max_size=16 * 1024 + 4),  # around the size limit
    st.builds(lambda n: b'{"a":' * n, st.integers(1, 3000)),  # nesting
)
headers = st.dictionaries(
    st.sampled_from(["content-type", "idempotency-key", "x-trace", "authorization", "Content-Type"])
    | text,
    st.one_of(
        st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain"]),
        maybe_card_text,
    ),
    max_size=5,
)


@st.composite
def http_events(draw: st.DrawFn) -> dict[str, Any]:
    body = draw(body_bytes)
    as_base64 = draw(st.booleans())
    raw: Any = base64.b64encode(body).decode() if as_base64 else body.decode("utf-8", "replace")
    raw = (
        draw(st.one_of(st.just(raw), st.none(), json_value))
        if draw(st.integers(0, 9)) == 0
        else raw
    )
    method = draw(st.sampled_from(["POST", "GET", "PUT", "post", "DELETE", ""]))
    path = draw(
        st.sampled_from(["/payments", "/payments/", "/payments/pay_x", "/", "/payments/a/b"])
        | maybe_card_text
    )
    event: dict[str, Any] = {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": draw(st.one_of(st.just(""), maybe_card_text)),
        "headers": {
            "idempotency-key": draw(text),
            "content-type": "application/json",
            **draw(headers),
        },
        "requestContext": {
            "requestId": draw(text),
            "http": {"method": method, "path": path},
            "authorizer": draw(
                st.one_of(st.none(), json_value, st.just({"jwt": {"claims": {"sub": "u"}}}))
            ),
        },
        "body": raw,
        "isBase64Encoded": as_base64 if draw(st.integers(0, 9)) else draw(json_value),
    }
    for key in draw(st.lists(st.sampled_from(sorted(event)), max_size=2)):
        event[key] = draw(json_value)  # a damaged event: any field of any type
    return event


def _check(apps: Apps, event: Any) -> None:
    answer = api.handle(apps.api, event)
    assert isinstance(answer["statusCode"], int)
    assert answer["statusCode"] < 500, (answer["statusCode"], answer["body"])
    assert not contains_pan(json.dumps(answer)), "card data echoed back"


@SWEEP
@given(event=http_events())
def test_no_api_event_gets_a_5xx_or_an_echoed_card_number(
    apps: Apps, event: dict[str, Any]
) -> None:
    _check(apps, event)


@SWEEP
@given(event=st.one_of(json_value, st.dictionaries(text, json_value, max_size=4)))
def test_events_of_any_shape_are_refused_cleanly(apps: Apps, event: Any) -> None:
    _check(apps, event)


def test_no_card_number_reached_the_logs(apps: Apps) -> None:
    from payments.pan import find_pans

    assert find_pans(apps.log.getvalue()) == []
