"""The local Lambda runtime: functions in their own processes, fed by SQS event source
mappings and an HTTP API, against the emulator.

    with LocalRuntime(endpoint, functions, event_sources, routes, log_dir) as runtime:
        requests.post(runtime.api_url + "/payments", ...)

`stop(drain=True)` (also on leaving the `with` block) stops taking HTTP requests and polling,
lets every invocation in flight finish and its batch be deleted or left for redelivery, then
ends the environments: no message is lost. `stop(drain=False)` kills environments at once;
their batches are not deleted and come back after the visibility timeout, and a poller still
inside a long poll releases whatever that last receive returns.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

from pcizone.local.emulator import EmulatorEndpoint
from pcizone.local.runtime.credentials import AssumedRole
from pcizone.local.runtime.errors import (
    FunctionThrottled,
    InvalidInvocation,
    LocalRuntimeError,
    RuntimeConfigError,
)
from pcizone.local.runtime.http_routes import RouteTable
from pcizone.local.runtime.http_server import MAX_INVOKE_PAYLOAD_BYTES, LocalHttpApi
from pcizone.local.runtime.invocation import InvocationOutcome
from pcizone.local.runtime.logs import EventLog, LineLog
from pcizone.local.runtime.pool import EnvironmentInfo, FunctionPool, run_all
from pcizone.local.runtime.specs import (
    EventSourceSpec,
    FunctionSpec,
    HttpRouteSpec,
    RuntimeTuning,
)
from pcizone.local.runtime.sqs_poller import SqsEventSource

RUNTIME_LOG = "local-runtime.log"
_STOP_GRACE_SECONDS = 10.0
_NO_DRAIN_JOIN_SECONDS = 0.3


def _check_references(
    functions: Sequence[FunctionSpec],
    event_sources: Sequence[EventSourceSpec],
    routes: Sequence[HttpRouteSpec],
) -> None:
    names = [f.name for f in functions]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RuntimeConfigError(f"function {duplicates[0]!r} is defined more than once")
    for source in event_sources:
        if source.function_name not in names:
            raise RuntimeConfigError(
                f"event source {source.queue_name}: no function named {source.function_name!r}"
            )
    pairs = [(s.queue_arn, s.function_name) for s in event_sources]
    if len(set(pairs)) != len(pairs):
        raise RuntimeConfigError("an event source mapping is defined more than once")
    keys = [r.route_key for r in routes]
    for route in routes:
        if route.function_name not in names:
            raise RuntimeConfigError(
                f"route {route.route_key!r}: no function named {route.function_name!r}"
            )
        if keys.count(route.route_key) > 1:
            raise RuntimeConfigError(f"route {route.route_key!r} is defined more than once")


class LocalRuntime:
    def __init__(
        self,
        emulator: EmulatorEndpoint,
        functions: Sequence[FunctionSpec],
        event_sources: Sequence[EventSourceSpec],
        routes: Sequence[HttpRouteSpec],
        log_dir: Path,
        *,
        tuning: RuntimeTuning | None = None,
    ) -> None:
        _check_references(functions, event_sources, routes)
        self.emulator = emulator
        self.functions = {f.name: f for f in functions}
        self.event_sources = list(event_sources)
        self.routes = list(routes)
        self.log_dir = log_dir
        self.tuning = tuning or RuntimeTuning()
        self._lock = threading.Lock()
        self._state = "new"
        self._events: EventLog | None = None
        self._function_logs: list[LineLog] = []
        self._roles: dict[str, AssumedRole] = {}
        self._pools: dict[str, FunctionPool] = {}
        self._sources: list[SqsEventSource] = []
        self._http: LocalHttpApi | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            if self._state != "new":
                raise LocalRuntimeError(f"the local runtime cannot start: it is {self._state}")
            self._state = "starting"
        try:
            self._start()
        except BaseException:
            self.stop(drain=False)
            raise
        with self._lock:
            self._state = "running"

    def _start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        events = self._events = EventLog(self.log_dir / RUNTIME_LOG)
        for spec in self.functions.values():
            role = AssumedRole(
                self.emulator,
                spec.role_arn,
                spec.name,
                duration_seconds=self.tuning.credential_duration_seconds,
                refresh_margin_seconds=self.tuning.credential_refresh_margin_seconds,
            )
            function_log = LineLog(self.log_dir / f"{spec.name}.log")
            self._function_logs.append(function_log)
            self._roles[spec.name] = role
            self._pools[spec.name] = FunctionPool(
                spec, self.emulator, role, function_log, events, self.tuning
            )
        for source_spec in self.event_sources:
            source = SqsEventSource(
                source_spec,
                self._pools[source_spec.function_name],
                self._roles[source_spec.function_name],
                events,
                self.tuning,
            )
            source.check_queue()
            self._sources.append(source)
        if self.routes:
            first = self.functions[self.routes[0].function_name]
            self._http = LocalHttpApi(
                RouteTable(self.routes),
                self._invoke_outcome,
                {name: f.timeout_seconds for name, f in self.functions.items()},
                api_id=secrets.token_hex(5),
                account_id=first.account_id,
                events=events,
            )
            self._http.start()
        for source in self._sources:
            if source.concurrency > 0:
                source.start()
        events.event("runtime_started", functions=sorted(self.functions), api_url=self.api_url)

    def stop(self, drain: bool = True) -> None:
        """Stop serving; with `drain`, let invocations in flight finish and settle first."""
        with self._lock:
            if self._state in {"stopping", "stopped"}:
                return
            self._state = "stopping"
        longest = max((f.timeout_seconds for f in self.functions.values()), default=0)
        timeout = longest + _STOP_GRACE_SECONDS
        try:
            if self._http is not None:
                self._http.stop(timeout if drain else 0.0)
            for source in self._sources:
                source.request_stop(drain)
            if not drain:  # kill what runs now: its batches fail and stay on their queues
                run_all(
                    [partial(p.close, drain=False, timeout=timeout) for p in self._pools.values()]
                )
            # Without drain, a poller still inside a long poll is not waited for: it ends with
            # that receive and releases whatever the receive returned.
            join_timeout = timeout if drain else _NO_DRAIN_JOIN_SECONDS
            for source in self._sources:
                if not source.join(join_timeout) and drain and self._events is not None:
                    self._events.event("mapping_stop_timeout", queue=source.spec.queue_name)
            run_all([partial(p.close, drain=drain, timeout=timeout) for p in self._pools.values()])
        finally:
            if self._events is not None:
                self._events.event("runtime_stopped", drained=drain)
                self._events.close()
            for log in self._function_logs:
                log.close()
            with self._lock:
                self._state = "stopped"

    def __enter__(self) -> LocalRuntime:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop(drain=True)

    # -- use -------------------------------------------------------------------------------

    @property
    def api_url(self) -> str | None:
        """Where the HTTP API listens (None when there are no routes)."""
        return self._http.url if self._http is not None else None

    @property
    def event_log(self) -> EventLog:
        if self._events is None:
            raise LocalRuntimeError("the local runtime has not started")
        return self._events

    def invoke(self, function_name: str, payload: Any) -> dict[str, Any]:
        """Invoke synchronously; the result has the shape of Lambda's Invoke response:
        `StatusCode`, `ExecutedVersion`, `Payload` (the answer, or the error object), and
        `FunctionError: "Unhandled"` when the function failed."""
        try:
            size = len(json.dumps(payload))
        except (TypeError, ValueError):
            raise InvalidInvocation(
                f"invoke {function_name}: the payload is not JSON-serializable"
            ) from None
        if size > MAX_INVOKE_PAYLOAD_BYTES:
            raise InvalidInvocation(f"invoke {function_name}: the payload is over 6 MB")
        outcome = self._invoke_outcome(function_name, payload)
        if outcome.status == "throttled":
            raise FunctionThrottled(f"invoke {function_name}: {outcome.error_message}")
        response: dict[str, Any] = {
            "StatusCode": 200,
            "ExecutedVersion": "$LATEST",
            "RequestId": outcome.request_id,
        }
        if outcome.ok:
            response["Payload"] = outcome.result()
        else:
            response["FunctionError"] = "Unhandled"
            response["Payload"] = outcome.error_payload()
        return response

    def _invoke_outcome(self, function_name: str, payload: Any) -> InvocationOutcome:
        if function_name not in self.functions:
            raise InvalidInvocation(f"invoke: no function named {function_name!r}")
        pool = self._pools.get(function_name)
        if pool is None:
            raise LocalRuntimeError(f"invoke {function_name}: the local runtime is {self._state}")
        # While stopping, requests already accepted still run; the pool refuses new ones once
        # it closes (PoolClosed).
        return pool.invoke(payload)

    def role(self, function_name: str) -> AssumedRole:
        """The function's assumed role: clients acting as the function (e.g. to play a
        producer that sends to the function's queue)."""
        try:
            return self._roles[function_name]
        except KeyError:
            raise InvalidInvocation(f"no function named {function_name!r}") from None

    def environments(self) -> list[EnvironmentInfo]:
        """Every live execution environment, with its resident memory."""
        return [info for pool in self._pools.values() for info in pool.environments()]

    def describe(self) -> dict[str, Any]:
        """What runs and how, for the summary: JSON-ready, and explicit about what differs
        from AWS."""
        return {
            "api_url": self.api_url,
            "iam_auth_emulated": False,
            "functions": [
                {
                    "name": f.name,
                    "handler": f.handler,
                    "timeout_seconds": f.timeout_seconds,
                    "memory_mb": f.memory_mb,
                    "max_environments": self._pools[f.name].cap if f.name in self._pools else None,
                }
                for f in self.functions.values()
            ],
            "event_sources": [
                {
                    "queue": s.spec.queue_name,
                    "function": s.spec.function_name,
                    "batch_size": s.spec.batch_size,
                    "pollers": s.concurrency,
                    "report_batch_item_failures": s.spec.report_batch_item_failures,
                    "visibility_timeout_seconds": s.visibility_timeout_seconds,
                    "max_receive_count": s.max_receive_count,
                }
                for s in self._sources
            ],
            "routes": [
                {"route_key": r.route_key, "function": r.function_name} for r in self.routes
            ],
            "notes": self.notes(),
        }

    def notes(self) -> list[str]:
        tuning = self.tuning
        notes = [
            "Each function runs in local processes (one per concurrent invocation, up to its"
            " reserved concurrency, else"
            f" {tuning.default_function_concurrency}); credentials are assumed into its own role"
            " in the emulator.",
            f"Pollers long-poll {tuning.poll_wait_seconds} s per receive (AWS: 20 s) and take"
            " turns on a queue (the emulator's receive is not atomic).",
        ]
        if self.routes:
            notes.append(
                "IAM authorization on HTTP API routes is not emulated: local requests reach the"
                " functions unsigned."
            )
        if tuning.failed_visibility_seconds is not None:
            notes.append(
                f"Failed messages become visible again after {tuning.failed_visibility_seconds} s"
                " instead of the queue's visibility timeout (a local speed-up)."
            )
        if not tuning.enforce_memory_limit:
            notes.append("Function memory limits are not enforced.")
        return notes
