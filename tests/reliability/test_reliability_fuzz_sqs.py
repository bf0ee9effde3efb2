"""Bad-input sweep of the worker and the DLQ auditor: SQS records of any shape and body.

A batch either fails as a whole with the documented `InvalidBatch` (a record without a
usable messageId: Lambda retries the batch) or is answered with failures naming only its own
records; nothing else escapes. The auditor records every dead letter, whatever its body,
attributes, receive count, encoding or duplicates, and nothing logged or recorded holds a card
number. Defects the sweep found are pinned below with the exact input.

Examples in `make test` (10,000 in the whole sweep, see conftest.py): worker batches 2,000 and
auditor batches 2,000.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from payments import auditor, dead_letters, worker
from payments.messages import InvalidBatch
from payments.pan import find_pans

from .conftest import Apps, check_new_logs, sweep
from .test_reliability_fuzz_api import digit_run_across_cut, json_value, maybe_card_text, text

payment_ids = st.builds(
    lambda s: "pay_" + s, st.text("abcdefghijklmnopqrstuvwxyz234567", min_size=1, max_size=30)
)
bodies = st.one_of(
    maybe_card_text,
    st.builds(lambda v: json.dumps({"payment_id": v}), st.one_of(json_value, payment_ids)),
    json_value,
)


def _long_id(seed: int, chars: int) -> str:
    """A random (so incompressible) id: past ~2,700 characters it overflows a btree key.
    Built from a seed: drawing thousands of characters would slow every example down."""
    raw = random.Random(seed).randbytes(chars * 5 // 8 + 1)
    return base64.b32encode(raw).decode()[:chars]


message_ids = st.one_of(
    st.uuids().map(str),
    maybe_card_text,  # odd text (NUL, lone surrogates) and card numbers included
    st.builds(_long_id, st.integers(0, 2**32), st.integers(200, 4000)),
)
numbers = st.one_of(
    st.integers().map(str), st.integers(), text, st.floats(), st.text(string.digits, max_size=60)
)
records = st.fixed_dictionaries(
    {"messageId": message_ids, "body": bodies},
    optional={
        "attributes": st.one_of(
            json_value,
            st.fixed_dictionaries(
                {},
                optional={
                    "ApproximateReceiveCount": numbers,
                    "SentTimestamp": numbers,
                    "ApproximateFirstReceiveTimestamp": numbers,
                },
            ),
        ),
        "receiptHandle": text,
    },
)
record_lists = st.lists(records, max_size=5)
events = st.one_of(
    st.fixed_dictionaries({"Records": record_lists}),
    # Duplicates: a record delivered twice in one batch, and one id with two bodies.
    st.fixed_dictionaries({"Records": record_lists.filter(bool).map(lambda rs: rs + rs[:1])}),
    st.builds(lambda a, b: {"Records": [a, {**b, "messageId": a["messageId"]}]}, records, records),
    json_value,
    st.fixed_dictionaries({"Records": json_value}),
)


def _answer_is_valid(answer: Any, event: Any) -> None:
    ids = {r["messageId"] for r in event["Records"]}
    failed = [f["itemIdentifier"] for f in answer["batchItemFailures"]]
    assert set(failed) <= ids and len(failed) == len(set(failed))


def _stored(apps: Apps, message_id: str) -> tuple[str, str, int, bytes] | None:
    """The dead_letters row of a message: (key, excerpt, times seen, body hash), or None."""
    key = dead_letters.stored_message_id(message_id)
    with apps.auditor.db.session() as conn:
        row = conn.execute(
            "SELECT message_id, body_excerpt, times_seen, body_sha256 FROM dead_letters"
            " WHERE message_id = %s",
            (key,),
        ).fetchone()
    return None if row is None else (row[0], row[1], row[2], bytes(row[3]))


@sweep("worker")
@given(event=events)
def test_the_worker_answers_every_batch_or_fails_it_as_documented(apps: Apps, event: Any) -> None:
    apps.log.take()
    try:
        answer = worker.handle(apps.worker, event)
    except InvalidBatch:
        answer = None
    check_new_logs(apps)
    if answer is not None:
        _answer_is_valid(answer, event)


@sweep("auditor")
@given(event=events)
def test_the_auditor_records_every_dead_letter_without_card_data(apps: Apps, event: Any) -> None:
    apps.log.take()
    try:
        answer = auditor.handle(apps.auditor, event)
    except InvalidBatch:
        check_new_logs(apps)
        return
    check_new_logs(apps)
    _answer_is_valid(answer, event)
    assert answer["batchItemFailures"] == [], "a dead letter could not be recorded"
    keys = [dead_letters.stored_message_id(r["messageId"]) for r in event["Records"]]
    with apps.auditor.db.session() as conn:
        rows = conn.execute(
            "SELECT message_id, body_excerpt FROM dead_letters WHERE message_id = ANY(%s)",
            (keys,),
        ).fetchall()
    assert {r[0] for r in rows} == set(keys)
    assert [r for r in rows if find_pans(r[0]) or find_pans(r[1])] == [], "card data stored"


def test_nothing_recorded_or_logged_holds_a_card_number(apps: Apps) -> None:
    with apps.auditor.db.session() as conn:
        rows = conn.execute("SELECT message_id, body_excerpt FROM dead_letters").fetchall()
    assert rows, "the sweep recorded no dead letters"
    assert [r for r in rows if find_pans(r[0]) or find_pans(r[1])] == []
    assert find_pans(apps.log.getvalue()) == []


@pytest.mark.parametrize("missing", [{}, {"messageId": ""}, {"messageId": 7}])
def test_a_record_without_a_message_id_fails_the_whole_batch(
    apps: Apps, missing: dict[str, Any]
) -> None:
    with pytest.raises(InvalidBatch):
        worker.handle(
            apps.worker, {"Records": [{"messageId": "ok", "body": "x"}, {"body": "y", **missing}]}
        )


def test_a_huge_receive_count_is_still_recorded(apps: Apps) -> None:
    event = {
        "Records": [
            {
                "messageId": "f728b4fa-4248-5e3a-0a5d-2f346baa9455",
                "body": "",
                "attributes": {"ApproximateReceiveCount": "2147483648"},
            }
        ]
    }
    assert auditor.handle(apps.auditor, event) == {"batchItemFailures": []}


HASHED = dead_letters.HASHED_ID_PREFIX
FFFD = "\ufffd"


UUID = "e3e70682-c209-4cac-629f-6fbed82c07cd"  # Hypothesis' first uuid


# Found by the sweep, shrunk (the open defect was the first: the auditor answered with a
# batch item failure, so the message stayed on the DLQ unrecorded, retried forever).
@pytest.mark.parametrize(
    ("record", "stored_as_is", "excerpt"),
    [
        # NUL: PostgreSQL text cannot hold it (seed 1 of the original sweep).
        ({"messageId": UUID, "body": "\x00"}, True, FFFD),
        ({"messageId": "\x00", "body": ""}, False, ""),
        # A lone surrogate: psycopg cannot encode it. The id is also a card number (Amex).
        ({"messageId": "378282246310005", "body": "\ud800%", "attributes": {}}, False,
         FFFD * 3 + "%"),
        ({"messageId": "\xad\xf5\\\ud800", "body": ""}, False, ""),
        # An id too long for the primary key's btree row (2,704 bytes).
        ({"messageId": _long_id(0, 2693), "body": ""}, False, ""),
        # The cut at 256 characters left the head of a 17-digit run: a valid PAN, stored.
        ({"messageId": UUID, "body": digit_run_across_cut(240, "4111111111111111", "0")}, True,
         "x" * 240 + "[REDACTED-PAN]"),
    ],
)  # fmt: skip
def test_found_dead_letters_are_recorded_once_each_without_card_data(
    apps: Apps, record: dict[str, str], stored_as_is: bool, excerpt: str
) -> None:
    with apps.auditor.db.session() as conn:  # the sweep may have recorded this id already
        conn.execute(
            "DELETE FROM dead_letters WHERE message_id = %s",
            (dead_letters.stored_message_id(record["messageId"]),),
        )
    # Delivered twice in one batch: one row, seen twice.
    assert auditor.handle(apps.auditor, {"Records": [record, record]}) == {"batchItemFailures": []}
    row = _stored(apps, record["messageId"])
    assert row is not None
    key, stored_excerpt, times_seen, body_hash = row
    assert (key == record["messageId"]) is stored_as_is
    assert stored_as_is or key.startswith(HASHED)
    assert stored_excerpt == excerpt
    assert times_seen == 2
    assert body_hash == hashlib.sha256(record["body"].encode("utf-8", "surrogatepass")).digest()
    assert find_pans(key) == [] and find_pans(stored_excerpt) == []


def test_a_hashed_key_is_never_another_messages_id() -> None:
    key = dead_letters.stored_message_id("\x00")
    assert key.startswith(HASHED)
    assert dead_letters.stored_message_id(key) not in (key, dead_letters.stored_message_id("\x00"))
    assert dead_letters.stored_message_id("\x00") == key  # stable: redeliveries find the row
