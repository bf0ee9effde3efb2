"""The card-data detector and masker that the guard, the logs and the local cloud rely on."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from payments.pan import (
    PAN_MASK,
    TRACK_MASK,
    contains_pan,
    find_pans,
    luhn_valid,
    mask_pans,
)

# Published test card numbers (they pass Luhn and belong to no one).
VISA = "4111111111111111"
AMEX = "378282246310005"
MASTERCARD = "5555555555554444"
DINERS_14 = "30569309025904"


def luhn_complete(prefix: str) -> str:
    """`prefix` plus the check digit that makes it pass Luhn."""
    for digit in "0123456789":
        if luhn_valid(prefix + digit):
            return prefix + digit
    raise AssertionError("unreachable: one check digit always fits")


def test_luhn_known_values() -> None:
    assert luhn_valid(VISA) and luhn_valid(AMEX) and luhn_valid(MASTERCARD)
    assert not luhn_valid("4111111111111112")
    assert luhn_valid(luhn_complete("12345678901"))


@pytest.mark.parametrize(
    "text",
    [
        VISA,
        f"card {VISA} please",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111.1111.1111.1111",
        "4111 - 1111 - 1111 - 1111",
        "3782 822463 10005",
        "4\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1",
        "4111\u00a01111\u20131111\u20141111",  # no-break space, en and em dashes
        "\uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11",
        "\u0664\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661",
        f"tok_{VISA}",
        r"4111\t1111\t1111\t1111",  # repr() of a tab-separated PAN
        r"'\xa04111111111111111'",  # an escape's hex digits do not glue onto the PAN
        r"4111\u20131111\u20131111\u20131111",
        f"x{VISA}y",
        f"{VISA} 123",  # a PAN followed by a CVV still shows as a PAN
        f"ref 12 {MASTERCARD}",
        DINERS_14,
        luhn_complete("675964982643845300"),  # 19 digits, the longest PAN
        luhn_complete("12345678901"),  # 12 digits, the shortest PAN
    ],
)
def test_pans_are_found(text: str) -> None:
    matches = find_pans(text)
    assert matches and all(m.kind == "pan" for m in matches)
    assert PAN_MASK in mask_pans(text)
    assert find_pans(mask_pans(text)) == []


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111112",  # fails Luhn
        luhn_complete("1234567890"),  # 11 digits: too short
        "41111111111111111",  # 17 digits in one run, not Luhn-valid as a whole
        "pay_abcdefghijklmnopqrstuvw2",
        "2024-05-01T12:34:56.123456Z",
        "amount 1250 EUR, order 42",
        "4111 1111    1111 1111",  # a 4-space gap separates numbers
        "",
    ],
)
def test_non_pans_are_left_alone(text: str) -> None:
    assert find_pans(text) == []
    assert mask_pans(text) == text


@pytest.mark.parametrize(
    "text",
    [
        f";{VISA}=25121010000000000000?",
        f"{VISA}=2512101",
        f"{VISA}D25121010000",
        f"%B{VISA}^DOE/JOHN^2512101000000000000?",
        "%B4111111111111112^DOE/JOHN^2512?",  # track 1 shape even when Luhn fails
    ],
)
def test_track_data_is_found_and_masked_whole(text: str) -> None:
    assert any(m.kind == "track" for m in find_pans(text))
    masked = mask_pans(f"before {text} after")
    assert masked == f"before {TRACK_MASK} after"


def test_matches_hold_positions_not_digits() -> None:
    (match,) = find_pans(f"a {VISA} b")
    assert (match.start, match.end, match.kind) == (2, 18, "pan")
    assert VISA not in repr(match)


def test_several_pans_are_all_masked() -> None:
    text = f"{VISA} and {AMEX}, {MASTERCARD}."
    assert mask_pans(text) == f"{PAN_MASK} and {PAN_MASK}, {PAN_MASK}."


def test_contains_pan_looks_everywhere() -> None:
    nested: dict[str, object] = {"a": [1, {"b": (2, {VISA.encode()})}]}
    assert contains_pan(nested)
    assert contains_pan({f"key {VISA}": 1})
    assert contains_pan(int(VISA))
    assert contains_pan(ValueError(f"bad {VISA}"))
    assert contains_pan(bytearray(b"4111 1111 1111 1111"))
    assert not contains_pan({"a": [1, 2, {"c": "clean"}], "n": 10**40})
    assert not contains_pan(None)
    cyclic: list[object] = []
    cyclic.append(cyclic)
    assert not contains_pan(cyclic)
    deep: object = VISA
    for _ in range(10_000):
        deep = [deep]
    assert contains_pan(deep)  # no recursion limit


def test_huge_integers_are_not_an_error() -> None:
    import sys

    huge = 10 ** (sys.get_int_max_str_digits() + 10)
    assert not contains_pan(huge)


def _pan_strategy() -> st.SearchStrategy[str]:
    lengths = st.integers(min_value=12, max_value=19)
    return lengths.flatmap(
        lambda n: st.text(alphabet="0123456789", min_size=n - 1, max_size=n - 1)
    ).map(luhn_complete)


@settings(max_examples=500, deadline=None, database=None)
@given(
    before=st.text(max_size=20),
    pan=_pan_strategy(),
    after=st.text(max_size=20),
    separator=st.sampled_from(["", " ", "-", ".", " - "]),
    group=st.integers(min_value=1, max_value=6),
)
def test_masked_text_never_holds_a_pan(
    before: str, pan: str, after: str, separator: str, group: int
) -> None:
    shaped = separator.join(pan[i : i + group] for i in range(0, len(pan), group))
    # Keep the PAN's own digit run apart from neighbouring digits, as text would.
    text = f"{before} {shaped} {after}"
    assert find_pans(text)
    masked = mask_pans(text)
    assert find_pans(masked) == []
    assert PAN_MASK in masked
