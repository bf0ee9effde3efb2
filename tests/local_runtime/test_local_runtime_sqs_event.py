"""SQS event records and Lambda's reading of partial batch responses (pure functions)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pcizone.local.runtime.sqs_event import judge_answer, sqs_event, sqs_record

IDS = ["m-1", "m-2", "m-3"]
ARN = "arn:aws:sqs:eu-west-1:123456789012:payments"


@pytest.mark.parametrize(
    "answer",
    [None, {}, {"batchItemFailures": None}, {"batchItemFailures": []}, {"other": 1}],
    ids=["null", "empty-object", "null-list", "empty-list", "unrelated-key"],
)
def test_answers_that_mean_complete_success(answer: Any) -> None:
    verdict = judge_answer(answer, IDS, report_batch_item_failures=True)
    assert verdict.whole_batch_failed is False
    assert verdict.failed_ids == frozenset()
    assert [verdict.failed(i) for i in IDS] == [False, False, False]


def test_listed_items_fail_and_the_rest_succeed() -> None:
    answer = {"batchItemFailures": [{"itemIdentifier": "m-2"}, {"itemIdentifier": "m-2"}]}
    verdict = judge_answer(answer, IDS, report_batch_item_failures=True)
    assert verdict.whole_batch_failed is False
    assert verdict.failed_ids == frozenset({"m-2"})
    assert [verdict.failed(i) for i in IDS] == [False, True, False]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("ok", "the answer is not a JSON object"),
        ([{"itemIdentifier": "m-1"}], "the answer is not a JSON object"),
        (7, "the answer is not a JSON object"),
        ({"batchItemFailures": "m-1"}, "batchItemFailures is not a list"),
        ({"batchItemFailures": {"itemIdentifier": "m-1"}}, "batchItemFailures is not a list"),
        ({"batchItemFailures": ["m-1"]}, "batchItemFailures[0] is not an object"),
        (
            {"batchItemFailures": [{"messageId": "m-1"}]},
            "batchItemFailures[0] has no itemIdentifier key",
        ),
        (
            {"batchItemFailures": [{"itemIdentifier": None}]},
            "batchItemFailures[0].itemIdentifier is null",
        ),
        (
            {"batchItemFailures": [{"itemIdentifier": ""}]},
            "batchItemFailures[0].itemIdentifier is empty",
        ),
        (
            {"batchItemFailures": [{"itemIdentifier": 1}]},
            "batchItemFailures[0].itemIdentifier is not a string",
        ),
        (
            {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "nope"}]},
            "batchItemFailures[1].itemIdentifier is not a message of this batch",
        ),
    ],
    ids=[
        "string",
        "list",
        "number",
        "failures-string",
        "failures-object",
        "item-string",
        "bad-key",
        "null-id",
        "empty-id",
        "non-string-id",
        "unknown-id",
    ],
)
def test_malformed_answers_fail_the_whole_batch(answer: Any, reason: str) -> None:
    verdict = judge_answer(answer, IDS, report_batch_item_failures=True)
    assert verdict.whole_batch_failed is True
    assert verdict.reason == reason
    assert [verdict.failed(i) for i in IDS] == [True, True, True]


def test_without_report_batch_item_failures_any_answer_is_success() -> None:
    for answer in ({"batchItemFailures": [{"itemIdentifier": "m-1"}]}, "garbage", 7):
        verdict = judge_answer(answer, IDS, report_batch_item_failures=False)
        assert verdict.whole_batch_failed is False
        assert verdict.failed_ids == frozenset()


def test_the_reason_never_quotes_what_the_function_returned() -> None:
    secret = "4111111111111111"
    verdict = judge_answer(
        {"batchItemFailures": [{"itemIdentifier": secret}]}, IDS, report_batch_item_failures=True
    )
    assert verdict.whole_batch_failed is True
    assert secret not in verdict.reason


def test_record_has_lambdas_shape() -> None:
    message = {
        "MessageId": "id-1",
        "ReceiptHandle": "rh-1",
        "Body": '{"x": 1}',
        "MD5OfBody": "abc",
        "MD5OfMessageAttributes": "def",
        "Attributes": {
            "ApproximateReceiveCount": "2",
            "SentTimestamp": "1700000000000",
            "SenderId": "AIDA",
            "ApproximateFirstReceiveTimestamp": "1700000000001",
            "MessageGroupId": "g1",
            "SomethingElse": "dropped",
        },
        "MessageAttributes": {
            "kind": {"DataType": "String", "StringValue": "payment"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    }
    record = sqs_record(message, ARN, "eu-west-1")
    assert record == {
        "messageId": "id-1",
        "receiptHandle": "rh-1",
        "body": '{"x": 1}',
        "attributes": {
            "ApproximateReceiveCount": "2",
            "SentTimestamp": "1700000000000",
            "SenderId": "AIDA",
            "ApproximateFirstReceiveTimestamp": "1700000000001",
            "MessageGroupId": "g1",
        },
        "messageAttributes": {
            "kind": {
                "stringValue": "payment",
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "String",
            },
            "blob": {
                "binaryValue": base64.b64encode(b"\x00\x01").decode(),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "Binary",
            },
        },
        "md5OfBody": "abc",
        "md5OfMessageAttributes": "def",
        "eventSource": "aws:sqs",
        "eventSourceARN": ARN,
        "awsRegion": "eu-west-1",
    }


def test_event_wraps_records_in_order() -> None:
    messages = [
        {"MessageId": f"id-{i}", "ReceiptHandle": f"rh-{i}", "Body": str(i)} for i in range(3)
    ]
    event = sqs_event(messages, ARN, "eu-west-1")
    assert [r["messageId"] for r in event["Records"]] == ["id-0", "id-1", "id-2"]
    assert "md5OfMessageAttributes" not in event["Records"][0]
    assert event["Records"][0]["messageAttributes"] == {}
