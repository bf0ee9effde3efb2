"""The queue message format: `{"payment_id": "pay_..."}` and nothing else.

A message names a payment; everything needed to charge it is read from the database, so a
message can be re-sent, duplicated or redriven without carrying stale or sensitive data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from payments.ids import is_payment_id


def message_body(payment_id: str) -> str:
    return json.dumps({"payment_id": payment_id}, separators=(",", ":"))


def payment_id_of(body: object) -> str | None:
    """The payment id in a message body, or None if the body is not one of ours."""
    if not isinstance(body, str):
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    payment_id = document.get("payment_id") if isinstance(document, dict) else None
    return payment_id if is_payment_id(payment_id) else None


class InvalidBatch(Exception):
    """The event cannot be answered record by record; Lambda retries the whole batch."""


def batch_records(event: object) -> Sequence[Mapping[str, Any]]:
    """The records of an SQS event, each with a non-empty messageId, or InvalidBatch.

    Checked before any record is processed: a batch response may only name known ids.
    """
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
        raise InvalidBatch("event is not an SQS batch")
    for record in records:
        message_id = record.get("messageId")
        if not isinstance(message_id, str) or not message_id:
            raise InvalidBatch("an SQS record has no messageId; failing the whole batch")
    return records


def receive_count(record: Mapping[str, Any]) -> int:
    """ApproximateReceiveCount of a Lambda SQS record (0 if absent)."""
    attributes = record.get("attributes")
    raw = attributes.get("ApproximateReceiveCount") if isinstance(attributes, Mapping) else None
    try:
        return max(int(str(raw)), 0)
    except ValueError:
        return 0
