"""EventBridge schedules that target functions, run locally (the outbox relay's, for one).

The emulator stores rules but never fires them. While the local runtime runs, a `Scheduler`
invokes each target function at its rule's rate with the event EventBridge sends (a
"Scheduled Event"). The first run comes one period after start, as on AWS. Cron expressions
are not run locally; the deploy's notes say so.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}

Invoke = Callable[[str, Any], Any]


@dataclass(frozen=True)
class ScheduleSpec:
    rule: str
    rule_arn: str
    function_name: str
    every_seconds: float
    account: str
    region: str
    input: str | None = None  # the target's constant JSON input, which replaces the event


def rate_seconds(expression: str) -> float | None:
    """Seconds between runs of `rate(N unit)`; None for anything else (cron)."""
    found = _RATE.match(expression.strip())
    if found is None:
        return None
    return int(found.group(1)) * _UNIT_SECONDS[found.group(2).rstrip("s")]


def scheduled_event(spec: ScheduleSpec, now: datetime) -> Any:
    if spec.input is not None:
        return json.loads(spec.input)
    return {
        "version": "0",
        "id": secrets.token_hex(16),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": spec.account,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": spec.region,
        "resources": [spec.rule_arn],
        "detail": {},
    }


class Scheduler:
    """One thread that invokes each schedule's function when it is due."""

    def __init__(self, invoke: Invoke, schedules: Sequence[ScheduleSpec]) -> None:
        self.invoke = invoke
        self.schedules = list(schedules)
        self.runs: dict[str, int] = {s.rule: 0 for s in self.schedules}
        self.failures: dict[str, int] = {s.rule: 0 for s in self.schedules}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not self.schedules or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="pcizone-schedules", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop firing; an invocation in flight finishes first."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _loop(self) -> None:
        started = time.monotonic()
        due = {s.rule: started + s.every_seconds for s in self.schedules}
        while not self._stop.is_set():
            now = time.monotonic()
            for spec in self.schedules:
                if due[spec.rule] <= now and not self._stop.is_set():
                    due[spec.rule] = now + spec.every_seconds
                    self._fire(spec)
            self._stop.wait(max(0.0, min(due.values()) - time.monotonic()))

    def _fire(self, spec: ScheduleSpec) -> None:
        # EventBridge does not stop a schedule because one run failed; the runtime's logs
        # hold the failure, the summary counts it.
        try:
            answer = self.invoke(spec.function_name, scheduled_event(spec, datetime.now(UTC)))
        except Exception:
            self.failures[spec.rule] += 1
            return
        if isinstance(answer, dict) and answer.get("FunctionError"):
            self.failures[spec.rule] += 1
        else:
            self.runs[spec.rule] += 1
