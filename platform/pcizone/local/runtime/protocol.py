"""The wire between the runtime and an execution environment: one JSON object per line.

Requests go to the environment's stdin; answers come back on a pipe of their own, so whatever
the handler prints (stdout, stderr) is only ever log output. Standard library only: the
environment imports this before the handler, and a Lambda cold start should load nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

AnswerKind = Literal["ready", "init_error", "result", "error"]
_KINDS: frozenset[str] = frozenset({"ready", "init_error", "result", "error"})


@dataclass(frozen=True)
class Request:
    request_id: str
    deadline_ms: int  # epoch milliseconds: the context's get_remaining_time_in_millis() base
    invoked_function_arn: str
    event: Any


@dataclass(frozen=True)
class Answer:
    """`result` carries the handler's return value as JSON text (already checked to encode)."""

    kind: AnswerKind
    request_id: str = ""
    result_json: str = "null"
    error_type: str = ""
    error_message: str = ""
    stack_trace: tuple[str, ...] = ()
    init_ms: float = 0.0


class ProtocolError(Exception):
    """A line on the wire is not what the other side promised to send."""


def encode_request(request: Request) -> bytes:
    return _line(
        {
            "requestId": request.request_id,
            "deadlineMs": request.deadline_ms,
            "invokedFunctionArn": request.invoked_function_arn,
            "event": request.event,
        }
    )


def decode_request(line: bytes) -> Request:
    data = _object(line)
    try:
        return Request(
            request_id=str(data["requestId"]),
            deadline_ms=int(data["deadlineMs"]),
            invoked_function_arn=str(data["invokedFunctionArn"]),
            event=data["event"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"bad request line: {type(exc).__name__}") from None


def encode_answer(answer: Answer) -> bytes:
    return _line(
        {
            "kind": answer.kind,
            "requestId": answer.request_id,
            "result": answer.result_json,
            "errorType": answer.error_type,
            "errorMessage": answer.error_message,
            "stackTrace": list(answer.stack_trace),
            "initMs": answer.init_ms,
        }
    )


def decode_answer(line: bytes) -> Answer:
    data = _object(line)
    kind = data.get("kind")
    if kind not in _KINDS:
        raise ProtocolError(f"unknown answer kind {kind!r}")
    trace = data.get("stackTrace", [])
    try:
        return Answer(
            kind=kind,
            request_id=str(data.get("requestId", "")),
            result_json=str(data.get("result", "null")),
            error_type=str(data.get("errorType", "")),
            error_message=str(data.get("errorMessage", "")),
            stack_trace=tuple(str(item) for item in trace) if isinstance(trace, list) else (),
            init_ms=float(data.get("initMs", 0.0)),
        )
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"bad answer line: {type(exc).__name__}") from None


def _line(data: dict[str, Any]) -> bytes:
    # ensure_ascii keeps every line free of raw newlines and of encoding questions.
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def _object(line: bytes) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ProtocolError("line is not JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError("line is not a JSON object")
    return data
