"""One execution environment seen from the runtime: a container process and its pipes.

The process runs `pcizone.local.runtime.container` in a session of its own (Ctrl-C in the
terminal reaches the runtime, which drains, not the environments), with exactly the
environment variables it is given. Its stdout and stderr go line by line to the function's
log; answers come back on a separate pipe, read by a thread into a queue so that a wait for
an answer can time out. One invocation at a time: the pool guarantees it.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from pcizone.local.runtime.invocation import (
    CRASH_ERROR,
    OOM_ERROR,
    TIMEOUT_ERROR,
    InvocationOutcome,
    Status,
)
from pcizone.local.runtime.logs import EventLog, LineLog
from pcizone.local.runtime.protocol import (
    Answer,
    ProtocolError,
    Request,
    decode_answer,
    encode_request,
)
from pcizone.local.runtime.specs import FunctionSpec

CONTAINER_MODULE = "pcizone.local.runtime.container"
_STOP_GRACE_SECONDS = 2.0
_PUMP_JOIN_SECONDS = 2.0
_REPORT_PREFIX = "REPORT RequestId: "
_MAX_LOG_LINE_BYTES = 256 * 1024


class _Closed:
    """The control pipe reached end of file: the process is gone."""


_CLOSED = _Closed()


def read_proc_memory_kb(pid: int, field: str) -> int | None:
    """A `/proc/<pid>/status` memory field (VmRSS, VmHWM) in kB; None where unavailable."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            parts = line.split()
            return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    return None


class ExecutionEnvironment:
    def __init__(
        self,
        spec: FunctionSpec,
        environ: dict[str, str],
        function_log: LineLog,
        events: EventLog,
        *,
        credentials_expire_at: float,
        enforce_memory_limit: bool,
    ) -> None:
        self.spec = spec
        self.credentials_expire_at = credentials_expire_at
        self.enforce_memory_limit = enforce_memory_limit
        self.invocations = 0
        self.init_ms = 0.0
        self.started_at = time.time()
        self._finished = False
        self._log = function_log
        self._events = events
        self._answers: queue.Queue[Answer | _Closed] = queue.Queue()
        # The last REPORT line the log pump wrote: an invocation returns once its own lines
        # are in the log file, so whoever reads the log next sees them.
        self._reported = threading.Condition()
        self._last_report = ""
        read_fd, write_fd = os.pipe()
        argv = [sys.executable, "-I", "-X", "utf8", "-u", "-m", CONTAINER_MODULE]
        argv += ["--control-fd", str(write_fd)]
        argv += [f"--code-path={path}" for path in spec.code_paths]
        try:
            self._process = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=environ,
                pass_fds=(write_fd,),
                start_new_session=True,
            )
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
        self.pid = self._process.pid
        control = os.fdopen(read_fd, "rb")
        assert self._process.stdout is not None and self._process.stdin is not None
        self._stdin: IO[bytes] = self._process.stdin
        self._log_pump = threading.Thread(
            target=self._pump_log,
            args=(self._process.stdout,),
            daemon=True,
            name=f"log-{spec.name}-{self.pid}",
        )
        self._control_pump = threading.Thread(
            target=self._pump_answers,
            args=(control,),
            daemon=True,
            name=f"control-{spec.name}-{self.pid}",
        )
        self._log_pump.start()
        self._control_pump.start()
        events.event("environment_started", function=spec.name, pid=self.pid)

    # -- lifecycle -------------------------------------------------------------------------

    def wait_ready(self, timeout: float) -> InvocationOutcome | None:
        """None once the handler is loaded; otherwise the failed init as an outcome."""
        answer = self._next_answer(time.monotonic() + timeout)
        if isinstance(answer, Answer) and answer.kind == "ready":
            self.init_ms = answer.init_ms
            return None
        if answer is None:
            self.kill()
            self._log.write_line(
                f"INIT_REPORT Init Duration: {timeout * 1000:.2f} ms\tPhase: init\tStatus: timeout"
            )
            return self._failure(
                "", "timeout", TIMEOUT_ERROR, f"Init phase timed out after {timeout:.2f} seconds"
            )
        if isinstance(answer, Answer) and answer.kind == "init_error":
            self._reap(_STOP_GRACE_SECONDS)
            return InvocationOutcome(
                "",
                self.spec.name,
                "init_error",
                error_type=answer.error_type,
                error_message=answer.error_message,
                stack_trace=answer.stack_trace,
                environment_pid=self.pid,
            )
        return self._crashed("", "init")

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        """Let the process end on its own (end of its input), then kill it if it lingers."""
        with contextlib.suppress(OSError):
            self._stdin.close()
        try:
            self._process.wait(timeout=_STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
        self._finish()

    def kill(self) -> None:
        """SIGKILL the environment's whole process group (whatever the handler spawned too)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=_STOP_GRACE_SECONDS)
        self._finish()

    def _reap(self, timeout: float) -> None:
        try:
            self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._finish()

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        with contextlib.suppress(OSError):
            self._stdin.close()
        self._log_pump.join(timeout=_PUMP_JOIN_SECONDS)
        self._events.event(
            "environment_ended",
            function=self.spec.name,
            pid=self.pid,
            exit_code=self._process.returncode,
            invocations=self.invocations,
        )

    # -- invocations -----------------------------------------------------------------------

    def invoke(self, request: Request, timeout: float) -> InvocationOutcome:
        self.invocations += 1
        started = time.monotonic()
        try:
            self._stdin.write(encode_request(request))
            self._stdin.flush()
        except OSError:  # the process is gone (BrokenPipeError) or its stdin closed
            return self._crashed(request.request_id, "invoke")
        answer = self._next_answer(started + timeout)
        duration_ms = (time.monotonic() - started) * 1000
        if answer is None:
            self.kill()
            self._log.write_line(
                f"RequestId: {request.request_id} Error: Task timed out after {timeout:.2f} seconds"
            )
            self._log.write_line(f"END RequestId: {request.request_id}")
            self._log.write_line(
                f"REPORT RequestId: {request.request_id}\tDuration: {duration_ms:.2f} ms\tStatus: timeout"
            )
            return self._failure(
                request.request_id,
                "timeout",
                TIMEOUT_ERROR,
                f"RequestId: {request.request_id} Error: Task timed out after {timeout:.2f} seconds",
                duration_ms,
            )
        if not isinstance(answer, Answer) or answer.request_id != request.request_id:
            return self._crashed(request.request_id, "invoke")
        if self.enforce_memory_limit and self.over_memory_limit():
            self.kill()
            self._log.write_line(
                f"RequestId: {request.request_id} Error: Runtime exited with error: memory limit"
                f" of {self.spec.memory_mb} MB exceeded"
            )
            return self._failure(
                request.request_id,
                "oom",
                OOM_ERROR,
                f"RequestId: {request.request_id} Error: Runtime exited with error: out of memory",
                duration_ms,
            )
        self._wait_for_report(request.request_id)
        if answer.kind == "result":
            return InvocationOutcome(
                request.request_id,
                self.spec.name,
                "ok",
                result_json=answer.result_json,
                duration_ms=duration_ms,
                environment_pid=self.pid,
            )
        return InvocationOutcome(
            request.request_id,
            self.spec.name,
            "error",
            error_type=answer.error_type,
            error_message=answer.error_message,
            stack_trace=answer.stack_trace,
            duration_ms=duration_ms,
            environment_pid=self.pid,
        )

    def _failure(
        self,
        request_id: str,
        status: Status,
        error_type: str,
        message: str,
        duration_ms: float = 0.0,
    ) -> InvocationOutcome:
        return InvocationOutcome(
            request_id,
            self.spec.name,
            status,
            error_type=error_type,
            error_message=message,
            duration_ms=duration_ms,
            environment_pid=self.pid,
        )

    def _crashed(self, request_id: str, phase: str) -> InvocationOutcome:
        self._reap(_STOP_GRACE_SECONDS)
        code = self._process.returncode
        how = (
            f"signal: {signal.Signals(-code).name}"
            if code is not None and code < 0
            else f"exit status {code}"
        )
        prefix = f"RequestId: {request_id} " if request_id else ""
        message = f"{prefix}Error: Runtime exited with error: {how}"
        self._log.write_line(message)
        self._events.event(
            "environment_crashed", function=self.spec.name, pid=self.pid, phase=phase, how=how
        )
        status: Status = "crash" if phase == "invoke" else "init_error"
        return self._failure(request_id, status, CRASH_ERROR, message)

    def over_memory_limit(self) -> bool:
        peak_kb = read_proc_memory_kb(self.pid, "VmHWM")
        return peak_kb is not None and peak_kb > self.spec.memory_mb * 1024

    def rss_kb(self) -> int | None:
        return read_proc_memory_kb(self.pid, "VmRSS")

    def _next_answer(self, deadline: float) -> Answer | _Closed | None:
        """The next answer, `_CLOSED` if the process ended first, None at the deadline."""
        try:
            answer = self._answers.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None
        return answer if isinstance(answer, Answer) else _CLOSED

    # -- pumps -----------------------------------------------------------------------------

    def _wait_for_report(self, request_id: str) -> None:
        with self._reported:
            self._reported.wait_for(
                lambda: self._last_report == request_id, timeout=_PUMP_JOIN_SECONDS
            )

    def _pump_log(self, stream: IO[bytes]) -> None:
        with stream:
            # Bounded reads: a handler printing without newlines cannot grow this process.
            for raw in iter(lambda: stream.readline(_MAX_LOG_LINE_BYTES), b""):
                line = raw.decode("utf-8", "replace")
                self._log.write_line(line)
                if line.startswith(_REPORT_PREFIX):
                    with self._reported:
                        self._last_report = line[len(_REPORT_PREFIX) :].split("\t", 1)[0].strip()
                        self._reported.notify_all()

    def _pump_answers(self, control: IO[bytes]) -> None:
        with control:
            for raw in control:
                try:
                    self._answers.put(decode_answer(raw))
                except ProtocolError as exc:
                    self._events.event(
                        "environment_protocol_error",
                        function=self.spec.name,
                        pid=self.pid,
                        reason=str(exc),
                    )
                    break
        self._answers.put(_CLOSED)
