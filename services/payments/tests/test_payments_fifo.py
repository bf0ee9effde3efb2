"""Sending to a FIFO payments queue (moto): one message group per payment, explicit
deduplication ids, and a redrive that SQS does not mistake for a duplicate."""

from __future__ import annotations

import itertools
import json
import os
from typing import Any

import pytest
from payments import outbox
from payments.fifo import content_deduplication_id, send_arguments
from payments.messages import message_body
from payments.ops.redrive import redrive

_numbers = itertools.count()


def _fifo_queues(sqs: Any) -> tuple[str, str]:
    """A FIFO queue and its FIFO DLQ, without content-based deduplication: every send must
    carry its own deduplication id, or SQS refuses it."""
    suffix = f"{os.getpid()}-{next(_numbers)}"
    fifo = {"FifoQueue": "true", "ContentBasedDeduplication": "false"}
    dlq_url = sqs.create_queue(QueueName=f"payments-dlq-{suffix}.fifo", Attributes=fifo)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
    url = sqs.create_queue(
        QueueName=f"payments-{suffix}.fifo", Attributes={**fifo, "RedrivePolicy": policy}
    )["QueueUrl"]
    return url, dlq_url


def _take(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Every message on the queue, deleted as read (one receive per group at a time)."""
    taken: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    ).get("Messages"):
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        taken += batch
    return taken


def _groups(messages: list[dict[str, Any]]) -> dict[str, str]:
    """payment id -> the message group it was sent in."""
    return {
        json.loads(m["Body"])["payment_id"]: m["Attributes"]["MessageGroupId"] for m in messages
    }


def test_the_api_sends_each_payment_in_a_group_of_its_own(
    make_app: Any, kit: Any, sqs: Any
) -> None:
    url, _dlq = _fifo_queues(sqs)
    app = make_app(sender=outbox.SqsSender(sqs, url))
    created = [json.loads(kit.post_payment(app, f"k-{i}")["body"])["id"] for i in range(3)]
    messages = _take(sqs, url)
    assert _groups(messages) == {payment_id: payment_id for payment_id in created}
    assert {m["Attributes"]["MessageDeduplicationId"] for m in messages} == {
        content_deduplication_id(message_body(p)) for p in created
    }


def test_a_resent_message_is_dropped_within_the_window_and_other_payments_are_not(
    sqs: Any,
) -> None:
    url, _dlq = _fifo_queues(sqs)
    sender = outbox.SqsSender(sqs, url)
    first, second = "pay_" + "a" * 26, "pay_" + "b" * 26
    sender.send(message_body(first))
    sender.send(message_body(first))  # the relay re-sending a row whose send looked failed
    sender.send(message_body(second))
    assert _groups(_take(sqs, url)) == {first: first, second: second}


def test_a_fifo_queue_takes_payment_messages_only(sqs: Any) -> None:
    url, _dlq = _fifo_queues(sqs)
    with pytest.raises(ValueError, match="a FIFO payments queue takes payment messages only"):
        outbox.SqsSender(sqs, url).send("not a payment")
    assert _take(sqs, url) == []


def test_a_standard_queue_gets_no_fifo_arguments() -> None:
    assert (
        send_arguments("https://sqs.example/123/payments", group_id="g", deduplication_id="d") == {}
    )
    assert send_arguments(
        "https://sqs.example/123/payments.fifo", group_id="g", deduplication_id="d"
    ) == {"MessageGroupId": "g", "MessageDeduplicationId": "d"}


def test_a_redrive_inside_the_deduplication_window_still_reaches_the_queue(
    make_app: Any, kit: Any, sqs: Any, conn: Any
) -> None:
    url, dlq_url = _fifo_queues(sqs)
    app = make_app(sender=outbox.SqsSender(sqs, url))
    pending = json.loads(kit.post_payment(app, "k-1")["body"])["id"]
    assert len(_take(sqs, url)) == 1  # the original send, seconds ago
    body = message_body(pending)
    sqs.send_message(
        QueueUrl=dlq_url,
        MessageBody=body,
        **send_arguments(dlq_url, group_id=pending, deduplication_id="dl-1"),
    )
    report = redrive(conn, sqs, dlq_url, url, dry_run=False)
    assert [(i.payment_id, i.action) for i in report.items] == [(pending, "redriven")]
    requeued = _take(sqs, url)
    assert _groups(requeued) == {pending: pending}
    # Not the body's hash, which the original send used: SQS remembers it for 5 minutes, even
    # after the delete (moto forgets it then), and would drop the copy while answering OK.
    assert requeued[0]["Attributes"]["MessageDeduplicationId"] != content_deduplication_id(body)
