"""SQS events for Lambda, and how Lambda reads a function's answer to one.

Records have the shape Lambda gives them (camelCase keys, message attributes with
`stringValue` / base64 `binaryValue`). The answer rules follow AWS's documented success and
failure conditions for partial batch responses (`ReportBatchItemFailures`):

- complete success: a null answer, an empty object, a null or empty `batchItemFailures` list;
- complete failure: an answer that is not a JSON object, a `batchItemFailures` that is not a
  list, an item that is not an object or lacks the `itemIdentifier` key, and an
  `itemIdentifier` that is null, empty, not a string, or not the id of a message in the batch;
- otherwise the listed messages failed and every other message succeeded.

Without `ReportBatchItemFailures`, any answer from a successful invocation is complete success.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The system attributes Lambda passes through in `attributes`.
RECORD_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One `Records` entry from a boto3 ReceiveMessage message."""
    system = message.get("Attributes") or {}
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": {name: system[name] for name in RECORD_ATTRIBUTES if name in system},
        "messageAttributes": {
            name: _message_attribute(value)
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value.get("DataType", "String"),
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(bytes(value["BinaryValue"])).decode("ascii")
    return attribute


def sqs_event(messages: Sequence[Mapping[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {"Records": [sqs_record(m, queue_arn, region) for m in messages]}


@dataclass(frozen=True)
class BatchVerdict:
    """Which messages of a batch failed; `reason` says why the whole batch did, if it did."""

    failed_ids: frozenset[str]
    whole_batch_failed: bool = False
    reason: str = ""

    def failed(self, message_id: str) -> bool:
        return self.whole_batch_failed or message_id in self.failed_ids


SUCCESS = BatchVerdict(frozenset())


def whole_batch_failure(reason: str) -> BatchVerdict:
    return BatchVerdict(frozenset(), whole_batch_failed=True, reason=reason)


def judge_answer(
    answer: object, batch_ids: Sequence[str], report_batch_item_failures: bool
) -> BatchVerdict:
    """Lambda's reading of a successful invocation's answer to a batch of `batch_ids`."""
    if not report_batch_item_failures or answer is None:
        return SUCCESS
    if not isinstance(answer, Mapping):
        return whole_batch_failure("the answer is not a JSON object")
    failures = answer.get("batchItemFailures")
    if failures is None:
        return SUCCESS
    if not isinstance(failures, list):
        return whole_batch_failure("batchItemFailures is not a list")
    known = set(batch_ids)
    failed: set[str] = set()
    for position, item in enumerate(failures):
        where = f"batchItemFailures[{position}]"
        if not isinstance(item, Mapping):
            return whole_batch_failure(f"{where} is not an object")
        if "itemIdentifier" not in item:
            return whole_batch_failure(f"{where} has no itemIdentifier key")
        identifier = item["itemIdentifier"]
        if identifier is None:
            return whole_batch_failure(f"{where}.itemIdentifier is null")
        if not isinstance(identifier, str):
            return whole_batch_failure(f"{where}.itemIdentifier is not a string")
        if identifier == "":
            return whole_batch_failure(f"{where}.itemIdentifier is empty")
        if identifier not in known:
            return whole_batch_failure(f"{where}.itemIdentifier is not a message of this batch")
        failed.add(identifier)
    return BatchVerdict(frozenset(failed))
