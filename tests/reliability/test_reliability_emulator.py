"""The chaos runs' emulator process: moto's SQS semantics unchanged by the speed fixes, SQS
faults only on the faulty port, and connections kept open."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from pcizone.local.chaos.emulator_process import CONTROL_PATH, EmulatorProcess


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    process = EmulatorProcess(seed=3)
    process.start()
    try:
        yield process
    finally:
        process.stop()


def _sqs(url: str) -> Any:
    return boto3.session.Session().client(
        "sqs",
        region_name="eu-west-1",
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),  # no retry
    )


def _counts(sqs: Any, url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


def test_queue_semantics_hold(emulator: EmulatorProcess) -> None:
    sqs = _sqs(emulator.clean_url)
    url = sqs.create_queue(QueueName="semantics", Attributes={"VisibilityTimeout": "30"})[
        "QueueUrl"
    ]
    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    assert _counts(sqs, url) == (3, 0)
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=1)[
        "Messages"
    ]
    assert [m["Body"] for m in received] == ["a", "b"]
    assert _counts(sqs, url) == (1, 2)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=received[0]["ReceiptHandle"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=received[0]["ReceiptHandle"])  # again: ok
    with pytest.raises(ClientError, match="ReceiptHandleIsInvalid"):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    assert _counts(sqs, url) == (1, 1)
    time.sleep(1.2)  # "b" was received, never deleted: visible again
    again = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert sorted((m["Body"], m["Attributes"]["ApproximateReceiveCount"]) for m in again) == [
        ("b", "2"),
        ("c", "1"),
    ]


def test_faults_hit_only_sqs_calls_on_the_faulty_port(emulator: EmulatorProcess) -> None:
    clean = _sqs(emulator.clean_url)
    url = clean.create_queue(QueueName="faulty")["QueueUrl"]
    before = emulator.counts()
    emulator.set_rate(1.0)
    try:
        with pytest.raises(ClientError) as failed:
            _sqs(emulator.faulty_url).send_message(QueueUrl=url, MessageBody="x")
        clean.send_message(QueueUrl=url, MessageBody="y")  # the clean port never fails
    finally:
        emulator.set_rate(0.0)
    assert failed.value.response["Error"]["Code"] in {"ThrottlingException", "InternalError"}
    after = emulator.counts()
    assert after.sqs_calls - before.sqs_calls == 1
    assert (after.failed_before + after.failed_after) - (
        before.failed_before + before.failed_after
    ) == 1
    # A failure "after" means SQS took the message and the answer was lost.
    bodies = sorted(
        m["Body"]
        for m in clean.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    )
    assert bodies == (["x", "y"] if after.failed_after > before.failed_after else ["y"])


def test_connections_are_kept_open(emulator: EmulatorProcess) -> None:
    port = int(emulator.clean_url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for _ in range(3):
            connection.request("GET", CONTROL_PATH)
            answer = connection.getresponse()
            assert answer.status == 200
            assert answer.getheader("connection") is None
            answer.read()
        assert connection.sock is not None  # the same socket served all three
    finally:
        connection.close()
