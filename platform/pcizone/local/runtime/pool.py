"""A function's execution environments: cold starts, reuse, concurrency cap, recycling.

Like Lambda, an invocation takes a warm idle environment when there is one (the most recently
used first) and starts a new one (a cold start) while the function is under its concurrency
limit: its reserved concurrency, or `RuntimeTuning.default_function_concurrency`. Above it
the invocation waits for a free environment, and is throttled when none frees up in time.
An environment that timed out, crashed or ran out of memory is gone; the next invocation
starts a fresh one. One whose credentials are about to expire is retired before reuse.
"""

from __future__ import annotations

import os
import secrets
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pcizone.local.emulator import EmulatorEndpoint
from pcizone.local.runtime.credentials import AssumedRole
from pcizone.local.runtime.errors import FunctionThrottled, LocalRuntimeError
from pcizone.local.runtime.execution_env import ExecutionEnvironment
from pcizone.local.runtime.invocation import (
    START_ERROR,
    THROTTLED_ERROR,
    InvocationOutcome,
    new_request_id,
)
from pcizone.local.runtime.logs import EventLog, LineLog
from pcizone.local.runtime.protocol import Request
from pcizone.local.runtime.specs import FunctionSpec, RuntimeTuning

_REUSABLE_AFTER = frozenset({"ok", "error"})  # a handler error leaves the environment intact


def run_all(calls: Sequence[Callable[[], None]]) -> None:
    """Run the calls on threads of their own and wait for all: a Python process takes a few
    tenths of a second to exit, and environments are many."""
    threads = [threading.Thread(target=call, daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class PoolClosed(LocalRuntimeError):
    """The runtime is stopping: no new invocations."""


@dataclass(frozen=True)
class EnvironmentInfo:
    """One live environment, for the summary and the reliability suite's memory checks."""

    function_name: str
    pid: int
    busy: bool
    invocations: int
    rss_kb: int | None
    started_at: float


class FunctionPool:
    def __init__(
        self,
        spec: FunctionSpec,
        endpoint: EmulatorEndpoint,
        role: AssumedRole,
        function_log: LineLog,
        events: EventLog,
        tuning: RuntimeTuning,
    ) -> None:
        self.spec = spec
        self.endpoint = endpoint
        self.role = role
        self.tuning = tuning
        self.cap = (
            spec.reserved_concurrency
            if spec.reserved_concurrency is not None
            else tuning.default_function_concurrency
        )
        self.function_arn = (
            f"arn:aws:lambda:{endpoint.region}:{spec.account_id}:function:{spec.name}"
        )
        self._log = function_log
        self._events = events
        self._cond = threading.Condition()
        self._idle: list[ExecutionEnvironment] = []
        self._busy: set[ExecutionEnvironment] = set()
        self._starting = 0
        self._closed = False

    # -- invoking --------------------------------------------------------------------------

    def invoke(self, event: Any, acquire_timeout: float | None = None) -> InvocationOutcome:
        """Run the handler on `event` in a free environment; never raises for the handler's
        failures, which come back as the outcome's status."""
        request_id = new_request_id()
        wait = self.tuning.acquire_timeout_seconds if acquire_timeout is None else acquire_timeout
        try:
            environment, cold = self._acquire(time.monotonic() + wait)
        except FunctionThrottled as exc:
            self._events.event("throttled", function=self.spec.name, request_id=request_id)
            return InvocationOutcome(
                request_id,
                self.spec.name,
                "throttled",
                error_type=THROTTLED_ERROR,
                error_message=str(exc),
            )
        except PoolClosed:
            raise
        except (LocalRuntimeError, OSError) as exc:  # no role credentials, no process
            self._events.event(
                "environment_start_failed", function=self.spec.name, reason=type(exc).__name__
            )
            return InvocationOutcome(
                request_id,
                self.spec.name,
                "init_error",
                error_type=START_ERROR,
                error_message=f"the local runtime could not start an environment: {exc}",
            )
        outcome: InvocationOutcome | None = None
        try:
            if cold:
                failed_init = environment.wait_ready(self.tuning.init_timeout_seconds)
                if failed_init is not None:
                    outcome = replace(failed_init, request_id=request_id, cold_start=True)
                    return outcome
            request = Request(
                request_id=request_id,
                deadline_ms=int((time.time() + self.spec.timeout_seconds) * 1000),
                invoked_function_arn=self.function_arn,
                event=event,
            )
            outcome = replace(
                environment.invoke(request, self.spec.timeout_seconds), cold_start=cold
            )
            return outcome
        finally:
            self._release(environment, outcome)

    def _acquire(self, deadline: float) -> tuple[ExecutionEnvironment, bool]:
        retired: list[ExecutionEnvironment] = []
        try:
            with self._cond:
                while True:
                    if self._closed:
                        raise PoolClosed(f"function {self.spec.name} is stopping")
                    while self._idle:
                        environment = self._idle.pop()
                        if self._usable(environment):
                            self._busy.add(environment)
                            return environment, False
                        retired.append(environment)
                    if len(self._busy) + self._starting < self.cap:
                        self._starting += 1
                        break
                    if self.cap == 0:
                        raise FunctionThrottled(
                            f"function {self.spec.name}: reserved concurrency is 0"
                        )
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise FunctionThrottled(
                            f"function {self.spec.name}: all {self.cap} environments stayed busy"
                        )
                    self._cond.wait(remaining)
        finally:
            for environment in retired:
                environment.stop()
        try:
            environment = self._start_environment()
        except BaseException:
            with self._cond:
                self._starting -= 1
                self._cond.notify()
            raise
        with self._cond:
            self._starting -= 1
            self._busy.add(environment)
        return environment, True

    def _usable(self, environment: ExecutionEnvironment) -> bool:
        if not environment.alive:
            self._events.event(
                "environment_lost",
                function=self.spec.name,
                pid=environment.pid,
                reason="exited while idle",
            )
            return False
        margin = self.tuning.credential_refresh_margin_seconds
        if environment.credentials_expire_at - time.time() < margin:
            self._events.event(
                "environment_recycled",
                function=self.spec.name,
                pid=environment.pid,
                reason="credentials expiring",
            )
            return False
        return True

    def _release(
        self, environment: ExecutionEnvironment, outcome: InvocationOutcome | None
    ) -> None:
        keep = outcome is not None and outcome.status in _REUSABLE_AFTER and environment.alive
        with self._cond:
            self._busy.discard(environment)
            kept = keep and not self._closed
            if kept:
                self._idle.append(environment)
            self._cond.notify_all()
        if not kept:
            environment.stop()

    def _start_environment(self) -> ExecutionEnvironment:
        credentials = self.role.credentials()
        return ExecutionEnvironment(
            self.spec,
            self.environment_variables(credentials.environment()),
            self._log,
            self._events,
            credentials_expire_at=credentials.expires_at,
            enforce_memory_limit=self.tuning.enforce_memory_limit,
        )

    def environment_variables(self, credentials: dict[str, str]) -> dict[str, str]:
        """Exactly what the process sees: the function's variables, its role's credentials,
        the emulator's endpoint and region, and the variables Lambda itself sets."""
        spec, region = self.spec, self.endpoint.region
        stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{secrets.token_hex(16)}"
        environ = dict(spec.env)
        environ.update(credentials)
        environ.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint.url,
                "AWS_REGION": region,
                "AWS_DEFAULT_REGION": region,
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": stream,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info[0]}.{sys.version_info[1]}",
                "_HANDLER": spec.handler,
                "TZ": ":UTC",
                "LANG": "C.UTF-8",
                "PATH": os.environ.get("PATH", os.defpath),
                # A developer's own ~/.aws profile must not leak into a function.
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            }
        )
        if spec.code_paths:
            environ["LAMBDA_TASK_ROOT"] = str(spec.code_paths[0])
        return environ

    # -- stopping and stats ----------------------------------------------------------------

    def close(self, drain: bool, timeout: float) -> None:
        """No new invocations. With `drain`, wait for running ones; without, kill them (their
        callers see a crash, so a batch they held is not acknowledged)."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = list(self._busy)
            self._cond.notify_all()
        run_all([e.stop for e in idle] + ([] if drain else [e.kill for e in busy]))
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._busy or self._starting:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            leftover = list(self._busy)
        run_all([e.kill for e in leftover])

    def environments(self) -> list[EnvironmentInfo]:
        with self._cond:
            states = [(e, False) for e in self._idle] + [(e, True) for e in self._busy]
        return [
            EnvironmentInfo(self.spec.name, e.pid, busy, e.invocations, e.rss_kb(), e.started_at)
            for e, busy in states
        ]
