"""The card-number guard: requests carrying card data are refused before anything else happens.

This service accepts processor tokens only, so it stays out of PAN storage scope (PCI DSS 3.2.1,
3.3.1). A request is refused when any part a client controls holds a PAN (see `payments.pan`),
track data, a field named like a card number, CVV or PIN, or CVV-like free text ("cvv 123").
The reason is a category for metrics, never the data; the body of a refused request is never
logged or stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Literal

from payments.pan import find_pans

CARD_DATA_MESSAGE = "card numbers are not accepted; send a processor token"

Reason = Literal["pan", "track", "card_field", "cvv_text"]

# Field names compared after lower-casing and dropping everything but letters and digits.
_EXACT_FIELD_NAMES = frozenset(
    {
        "pan", "cardnumber", "cardno", "cardnum", "ccnumber", "ccnum", "ccno", "creditcard",
        "creditcardnumber", "debitcardnumber", "primaryaccountnumber", "cvv", "cvv2", "cvc",
        "cvc2", "cvd", "cvn", "cid", "csc", "cav2", "securitycode", "cardsecuritycode",
        "cardverificationvalue", "cardverificationcode", "cardcode", "pin", "pinblock",
        "track1", "track2", "trackdata", "magstripe", "magneticstripe",
    }
)  # fmt: skip
# Distinctive enough to refuse wherever they appear inside a name ("billing_cvv", "card_cvc2").
_NAME_FRAGMENTS = ("cvv", "cvc", "securitycode", "cardnumber", "pinblock", "trackdata", "magstripe")
_CVV_TEXT = re.compile(r"(?i)(?<![a-z])(?:cvv2?|cvc2?|cvn|csc|cvd)(?![a-z])\W{0,3}\d{3,4}(?!\d)")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
# Headers that are not payment data and are neither logged nor stored: what API Gateway and
# AWS add (long random ids), and protocol headers whose version strings would otherwise trip
# the Luhn check now and then ("Linux/5.10.205-195.807" in a user agent is 12 digits).
_SKIPPED_HEADER_PREFIXES = ("x-amzn-", "x-amz-", "x-forwarded-", "cloudfront-", "accept")
_SKIPPED_HEADERS = frozenset(
    {"user-agent", "host", "content-length", "authorization", "traceparent", "tracestate",
     "via", "forwarded"}
)  # fmt: skip


def _sensitive_name(name: str) -> bool:
    normalized = _NOT_ALNUM.sub("", name.lower())
    return normalized in _EXACT_FIELD_NAMES or any(f in normalized for f in _NAME_FRAGMENTS)


def text_reason(text: str) -> Reason | None:
    """Why `text` counts as card data, or None."""
    matches = find_pans(text)
    if matches:
        return "track" if any(m.kind == "track" for m in matches) else "pan"
    if _CVV_TEXT.search(text):
        return "cvv_text"
    return None


def document_reason(document: object) -> Reason | None:
    """Why a parsed JSON document holds card data, or None: every key and value is checked.

    Iterative, so a deeply nested document cannot exhaust the stack.
    """
    stack: list[object] = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            reason = text_reason(item)
            if reason:
                return reason
        elif isinstance(item, Mapping):
            for key, value in item.items():
                if _sensitive_name(str(key)):
                    return "card_field"
                stack += [str(key), value]
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, int | float) and not isinstance(item, bool):
            stack.append(_number_text(item))
    return None


def _number_text(number: float) -> str:
    try:
        return repr(number)
    except ValueError:  # an int beyond the str() digit limit is one unbroken run, not a PAN
        return ""


def headers_reason(headers: Mapping[str, str]) -> Reason | None:
    """Why client headers (names or values) hold card data, or None."""
    for name, value in headers.items():
        lowered = name.lower()
        if lowered in _SKIPPED_HEADERS or lowered.startswith(_SKIPPED_HEADER_PREFIXES):
            continue
        if _sensitive_name(name):
            return "card_field"
        reason = text_reason(name) or text_reason(value)
        if reason:
            return reason
    return None


def first_reason(reasons: Iterable[Reason | None]) -> Reason | None:
    return next((r for r in reasons if r), None)
