"""An execution environment: `python -m pcizone.local.runtime.container --control-fd N`.

It plays the part of Lambda's Python runtime in one long-lived process: imports the handler
named by `_HANDLER` once (the init phase of a cold start), then reads one request per line on
stdin, calls the handler with the event and a `LambdaContext`, and answers on the control fd.
It prints Lambda's START / END / REPORT lines and, for an unhandled error, `[ERROR]` with the
traceback, to stdout as Lambda writes them to the function's log stream.

The runtime starts it with exactly the function's environment (credentials for its own role
included), enforces timeouts by killing it, and treats its exit as a crash.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, BinaryIO, cast

from pcizone.local.runtime.lambda_context import LambdaContext
from pcizone.local.runtime.protocol import Answer, ProtocolError, decode_request, encode_answer

Handler = Callable[[Any, LambdaContext], Any]
MAX_RESPONSE_BYTES = 6 * 1024 * 1024  # Lambda's synchronous response payload limit


class InitError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def load_handler(name: str) -> Handler:
    """Import `module.function` as Lambda's Python runtime does, with its error types."""
    module_name, _dot, function_name = name.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as exc:
        raise InitError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}"
        ) from exc
    except ImportError as exc:
        raise InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise InitError(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return cast(Handler, handler)


def _print(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _print_error(exc: BaseException) -> tuple[str, str, tuple[str, ...]]:
    """Log an unhandled error the way Lambda does; return its type, message and stack."""
    error_type = type(exc).__name__
    message = str(exc)
    stack = tuple(traceback.format_tb(exc.__traceback__))
    lines = [f"[ERROR] {error_type}: {message}", "Traceback (most recent call last):"]
    lines += [frame.rstrip("\n") for frame in stack]
    _print("\n".join(lines))
    return error_type, message, stack


def _max_memory_mb() -> int:
    """Peak resident memory since this process image started (VmHWM). getrusage's maxrss
    would also count the runtime's own memory, inherited through fork before exec."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS, kB elsewhere
    return peak // (1024 * 1024) if sys.platform == "darwin" else peak // 1024


class Environment:
    def __init__(self, handler: Handler, control: BinaryIO, init_ms: float) -> None:
        self.handler = handler
        self.control = control
        self.init_ms: float | None = init_ms  # reported once, on the first REPORT line
        self.memory_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")

    def answer(self, answer: Answer) -> None:
        self.control.write(encode_answer(answer))
        self.control.flush()

    def serve(self, requests: BinaryIO) -> None:
        for line in requests:
            try:
                request = decode_request(line)
            except ProtocolError as exc:
                _print(f"[ERROR] Runtime.InvalidRequest: {exc}")
                continue
            self.invoke(
                request.request_id, request.deadline_ms, request.invoked_function_arn, request.event
            )

    def invoke(self, request_id: str, deadline_ms: int, function_arn: str, event: Any) -> None:
        _print(f"START RequestId: {request_id} Version: $LATEST")
        started = time.monotonic()
        context = LambdaContext(request_id, deadline_ms, function_arn)
        try:
            result = self.handler(event, context)
            try:
                result_json = json.dumps(result, separators=(",", ":"))
            except (TypeError, ValueError) as exc:
                raise MarshalError(
                    "Runtime.MarshalError", f"Unable to marshal response: {exc}"
                ) from None
            if len(result_json) > MAX_RESPONSE_BYTES:
                raise MarshalError(
                    "Function.ResponseSizeTooLarge",
                    f"Response payload size ({len(result_json)} bytes) exceeded maximum allowed"
                    f" payload size ({MAX_RESPONSE_BYTES} bytes).",
                )
        except MarshalError as exc:
            answer = Answer(
                "error", request_id, error_type=exc.error_type, error_message=exc.message
            )
            _print(f"[ERROR] {exc.error_type}: {exc.message}")
        except Exception as exc:  # the handler's own failure is an answer, not our crash
            error_type, message, stack = _print_error(exc)
            answer = Answer(
                "error", request_id, error_type=error_type, error_message=message, stack_trace=stack
            )
        else:
            answer = Answer("result", request_id, result_json=result_json)
        duration_ms = (time.monotonic() - started) * 1000
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms"
            f"\tBilled Duration: {max(1, int(duration_ms + 0.999))} ms"
            f"\tMemory Size: {self.memory_mb} MB\tMax Memory Used: {_max_memory_mb()} MB"
        )
        if self.init_ms is not None:
            report += f"\tInit Duration: {self.init_ms:.2f} ms"
            self.init_ms = None
        _print(f"END RequestId: {request_id}")
        _print(report)
        sys.stderr.flush()
        self.answer(answer)


class MarshalError(Exception):
    """The handler's answer cannot be sent back: not JSON, or over Lambda's 6 MB."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pcizone.local.runtime.container")
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--code-path", action="append", default=[])
    args = parser.parse_args(argv)
    control = os.fdopen(args.control_fd, "wb")
    for path in reversed(args.code_path):
        sys.path.insert(0, path)
    started = time.monotonic()
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except InitError as exc:
        _print(f"[ERROR] {exc.error_type}: {exc.message}")
        control.write(
            encode_answer(
                Answer("init_error", error_type=exc.error_type, error_message=exc.message)
            )
        )
        control.flush()
        return 1
    except Exception as exc:  # the module's own init code raised
        error_type, message, stack = _print_error(exc)
        control.write(
            encode_answer(
                Answer(
                    "init_error", error_type=error_type, error_message=message, stack_trace=stack
                )
            )
        )
        control.flush()
        return 1
    environment = Environment(handler, control, (time.monotonic() - started) * 1000)
    environment.answer(Answer("ready", init_ms=environment.init_ms or 0.0))
    environment.serve(sys.stdin.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
