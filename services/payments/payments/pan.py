"""Find and mask card data in text: PANs and magnetic-stripe track data (PCI DSS 3.3, 3.4).

A PAN here is 12 to 19 digits that pass the Luhn check, written together or in groups joined by
one to three separator characters (spaces, tabs, dashes, dots, their Unicode look-alikes, and
the escapes repr() and JSON write for them), with any Unicode decimal digits. Groups of a digit run are tried in every contiguous combination,
so "4111 1111 1111 1111 123" (a PAN then a CVV) is found; one unbroken run of digits is judged
as a whole. Track 1 (`%B<PAN>^NAME^YYMM...?`) and track 2 (`;<PAN>=YYMM...?`) data are found by
shape alone. About one random 12-19 digit number in ten passes Luhn: false positives are the
price of never missing a real PAN, so identifiers this service mints avoid long digit runs.

The local cloud and the chaos tests scan captured logs with `find_pans` / `contains_pan`.
Matches carry positions only, never the digits, so a caller cannot leak what it found.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

PAN_MASK = "[REDACTED-PAN]"
TRACK_MASK = "[REDACTED-TRACK]"
MIN_PAN_DIGITS = 12
MAX_PAN_DIGITS = 19

# Escape sequences as repr() and JSON write separators (`\t`, `\xa0`, `\u2007`): exception
# messages and rendered log lines carry them in that form.
_ESCAPE = r"\\(?:t|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})"
# One separator: a space, tab, dot or dash (Unicode look-alikes too), or such an escape.
_SEPARATOR = rf"(?:[ \t\u00a0\u2007\u202f.\-\u2010-\u2015\u2212]|{_ESCAPE})"
# A maximal run of digit groups joined by short separator runs. An escape is matched on its
# own first, so the hex digits in "\xa0" never glue onto the digits that follow it.
_DIGIT_RUN = re.compile(rf"{_ESCAPE}|\d+(?:{_SEPARATOR}{{1,3}}\d+)*")
# Inside a run: separators first, so the hex digits of an escape are not taken for a group.
_RUN_TOKENS = re.compile(rf"{_SEPARATOR}|(\d+)")
_TRACK1 = re.compile(r"%?B\d{12,19}\^[^^\r\n]{2,26}\^\d{4}[^?\r\n]{0,79}\??")
_TRACK2 = re.compile(r"(?<!\d);?\d{12,19}[=D]\d{4}\d{0,40}\??")
# Every PAN and track match holds at least MIN_PAN_DIGITS digits (\d, as the patterns above):
# a text with fewer cannot hold one. Most logged values are such texts, and this test is one
# C-level pass instead of three pattern scans.
_NON_DIGITS = re.compile(r"\D+")


@dataclass(frozen=True, slots=True)
class CardDataMatch:
    """Where card data sits in a text; deliberately holds no digits."""

    start: int
    end: int
    kind: Literal["pan", "track"]


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of ASCII digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _ascii_digits(text: str) -> str:
    return text if text.isascii() else "".join(str(unicodedata.decimal(c)) for c in text)


def _pans_in_run(run: re.Match[str]) -> list[CardDataMatch]:
    offset = run.start()
    groups = [
        (m.start() + offset, m.end() + offset, m.group(1))
        for m in _RUN_TOKENS.finditer(run.group())
        if m.group(1)
    ]
    if sum(len(g[2]) for g in groups) < MIN_PAN_DIGITS:
        return []
    found: list[CardDataMatch] = []
    for first, (start, _end, _digits) in enumerate(groups):
        joined = ""
        for _start, end, digits in groups[first:]:
            joined += _ascii_digits(digits)
            if len(joined) > MAX_PAN_DIGITS:
                break
            if len(joined) >= MIN_PAN_DIGITS and luhn_valid(joined):
                found.append(CardDataMatch(start, end, "pan"))
    return found


def find_pans(text: str) -> list[CardDataMatch]:
    """Every PAN and track-data match in `text`, sorted by position (they may overlap)."""
    if len(_NON_DIGITS.sub("", text)) < MIN_PAN_DIGITS:
        return []
    found: list[CardDataMatch] = []
    for pattern in (_TRACK1, _TRACK2):
        found.extend(CardDataMatch(m.start(), m.end(), "track") for m in pattern.finditer(text))
    for run in _DIGIT_RUN.finditer(text):
        if run.group()[0] != "\\":  # a lone escape sequence
            found.extend(_pans_in_run(run))
    found.sort(key=lambda m: (m.start, m.end))
    return found


def mask_pans(text: str) -> str:
    """`text` with every PAN and track-data match replaced by a marker without digits."""
    matches = find_pans(text)
    if not matches:
        return text
    pieces: list[str] = []
    cursor = 0
    span_start, span_end, kind = matches[0].start, matches[0].end, matches[0].kind
    for match in matches[1:]:
        if match.start < span_end:  # overlapping matches merge into one masked span
            span_end = max(span_end, match.end)
            kind = "track" if "track" in (kind, match.kind) else kind
            continue
        pieces += [text[cursor:span_start], TRACK_MASK if kind == "track" else PAN_MASK]
        cursor = span_end
        span_start, span_end, kind = match.start, match.end, match.kind
    pieces += [text[cursor:span_start], TRACK_MASK if kind == "track" else PAN_MASK]
    pieces.append(text[span_end:])
    return "".join(pieces)


def text_of(value: bytes | bytearray | memoryview) -> str:
    """Bytes as text for scanning: UTF-8 where valid, so ASCII and Unicode digits survive."""
    return bytes(value).decode("utf-8", "replace")


def contains_pan(obj: object) -> bool:
    """True if a PAN or track data appears anywhere in `obj`.

    Looks into strings, bytes, numbers, mapping keys and values, sequences, sets, and the text
    of anything else (exceptions included), without recursion, so deep nesting is safe.
    """
    stack: list[object] = [obj]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if find_pans(item):
                return True
        elif isinstance(item, bytes | bytearray | memoryview):
            if find_pans(text_of(item)):
                return True
        elif isinstance(item, Mapping | list | tuple | set | frozenset):
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, Mapping):
                stack.extend(item.keys())
                stack.extend(item.values())
            else:
                stack.extend(item)
        elif item is not None and not isinstance(item, bool):
            try:
                stack.append(str(item))
            except ValueError:  # an int past Python's digit limit: one run, never a PAN
                continue
    return False
