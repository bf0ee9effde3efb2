"""What came of one invocation, in the terms Lambda reports it."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal

# ok: the handler returned. error: it raised (or its answer could not be encoded).
# timeout / crash / oom: the environment was killed or died mid-invocation.
# init_error: the handler could not be loaded. throttled: no environment became free.
Status = Literal["ok", "error", "timeout", "crash", "oom", "init_error", "throttled"]

# Lambda's error types for failures the runtime, not the handler, reports.
TIMEOUT_ERROR = "Sandbox.Timedout"
CRASH_ERROR = "Runtime.ExitError"
OOM_ERROR = "Runtime.OutOfMemory"
THROTTLED_ERROR = "TooManyRequestsException"
START_ERROR = "Runtime.StartError"  # the local runtime could not start a process


_DIGIT_RUN = re.compile(r"\d(?:-?\d){11}")


def new_request_id() -> str:
    """A Lambda-style request id (a UUID) in which no 12 digits run together: logs are
    scanned for card numbers, and such a run passes the Luhn check one time in ten."""
    while True:
        candidate = str(uuid.uuid4())
        if not _DIGIT_RUN.search(candidate):
            return candidate


@dataclass(frozen=True)
class InvocationOutcome:
    request_id: str
    function_name: str
    status: Status
    result_json: str = "null"
    error_type: str = ""
    error_message: str = ""
    stack_trace: tuple[str, ...] = ()
    duration_ms: float = 0.0
    cold_start: bool = False
    environment_pid: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def result(self) -> Any:
        """The handler's return value (JSON-decoded); None unless the invocation succeeded."""
        return json.loads(self.result_json) if self.ok else None

    def error_payload(self) -> dict[str, Any]:
        """The error object Lambda's Invoke API returns for a failed invocation."""
        return {
            "errorMessage": self.error_message,
            "errorType": self.error_type,
            "requestId": self.request_id,
            "stackTrace": list(self.stack_trace),
        }
