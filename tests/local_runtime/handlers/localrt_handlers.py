"""Tiny Lambda handlers the local runtime's tests run in real execution environments.

SQS handlers read one instruction per message body (JSON): {"do": "ok" | "fail" | "raise" |
"crash" | "sleep", "seconds": n, "answer": <value to return verbatim>}. Every record a handler
sees is appended to `$RECORD_FILE` as one JSON line (small lines: O_APPEND keeps them whole).
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from typing import Any

_LOADED_AT = time.time()


def _record(**fields: Any) -> None:
    path = os.environ.get("RECORD_FILE")
    if path:
        line = json.dumps({"pid": os.getpid(), **fields}) + "\n"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)


def sqs_scripted(event: dict[str, Any], context: Any) -> Any:
    started = time.time()
    records = event["Records"]
    failures: list[dict[str, str]] = []
    answer: Any = {"batchItemFailures": failures}
    for record in records:
        body = json.loads(record["body"])
        _record(
            request_id=context.aws_request_id,
            message_id=record["messageId"],
            tag=body.get("tag"),
            receive_count=int(record["attributes"]["ApproximateReceiveCount"]),
            group=record["attributes"].get("MessageGroupId"),
            first_receive=int(record["attributes"]["ApproximateFirstReceiveTimestamp"]) / 1000,
            batch_size=len(records),
            start=started,
        )
        action = body.get("do", "ok")
        if action == "fail":
            failures.append({"itemIdentifier": record["messageId"]})
        elif action == "raise":
            raise RuntimeError("scripted failure")
        elif action == "crash":
            os._exit(3)
        elif action == "sleep":
            time.sleep(float(body["seconds"]))
        if "answer" in body:
            answer = body["answer"]
    _record(request_id=context.aws_request_id, batch_end=time.time(), start=started)
    return answer


def sqs_record_event(event: dict[str, Any], context: Any) -> None:
    """Writes the whole event (for checking record fields) and succeeds."""
    _record(event=event)


def echo(event: Any, context: Any) -> dict[str, Any]:
    print(f"echo invoked: {context.aws_request_id}")
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "invoked_function_arn": context.invoked_function_arn,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "pid": os.getpid(),
        "loaded_at": _LOADED_AT,
        "environ": dict(os.environ),
        "sys_path_0": sys.path[0],
    }


def slow(event: dict[str, Any], context: Any) -> str:
    time.sleep(float(event["seconds"]))
    return "done"


def crash(event: Any, context: Any) -> None:
    print("about to crash", flush=True)
    os._exit(7)


def fail(event: Any, context: Any) -> None:
    raise ValueError("handler failed on purpose")


def unserializable(event: Any, context: Any) -> object:
    return {"when": object()}


def big_answer(event: dict[str, Any], context: Any) -> str:
    sys.stdout.write("y" * int(event["log_bytes"]))  # one long line, no newline until the end
    sys.stdout.write("\n")
    return "x" * int(event["answer_bytes"])


def allocate(event: dict[str, Any], context: Any) -> int:
    block = bytearray(int(event["megabytes"]) * 1024 * 1024)
    for offset in range(0, len(block), 4096):  # touch every page so it counts as resident
        block[offset] = 1
    return len(block)


def sqs_send(event: dict[str, Any], context: Any) -> str:
    """Sends to a queue with the environment's own credentials (checks AWS_ENDPOINT_URL)."""
    import boto3

    sqs = boto3.client("sqs")
    return str(
        sqs.send_message(QueueUrl=event["queue_url"], MessageBody="from-function")["MessageId"]
    )


def http_router(event: dict[str, Any], context: Any) -> Any:
    path = event["rawPath"]
    if path.startswith("/echo"):
        return {
            "statusCode": 201,
            "headers": {"content-type": "application/json", "x-count": 3, "x-flag": True},
            "cookies": ["a=1; Path=/", "b=2"],
            "body": json.dumps(event),
        }
    if path == "/bare-dict":
        return {"hello": "world"}
    if path == "/bare-string":
        return "plain words"
    if path == "/binary":
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/octet-stream"},
            "body": base64.b64encode(b"\x00\x01\xff").decode(),
            "isBase64Encoded": True,
        }
    if path == "/malformed":
        return {"statusCode": "200", "body": "x"}
    if path == "/header-injection":
        return {"statusCode": 200, "headers": {"x-a": "1\r\nset-cookie: evil=1"}, "body": ""}
    if path == "/boom":
        raise RuntimeError("boom")
    if path == "/slow":
        time.sleep(float(event.get("queryStringParameters", {}).get("s", "5")))
    return {"statusCode": 204}
