"""Scheduled rules run their target functions locally, at their rate."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

from pcizone.local.schedules import Scheduler, ScheduleSpec, rate_seconds, scheduled_event

SPEC = ScheduleSpec(
    rule="relay",
    rule_arn="arn:aws:events:eu-west-1:123456789012:rule/relay",
    function_name="relay-fn",
    every_seconds=0.05,
    account="123456789012",
    region="eu-west-1",
)


def test_rates_are_read_and_cron_is_not() -> None:
    assert rate_seconds("rate(1 minute)") == 60
    assert rate_seconds("rate(5 minutes)") == 300
    assert rate_seconds("rate(2 hours)") == 7200
    assert rate_seconds("cron(0 12 * * ? *)") is None


def test_the_event_is_what_eventbridge_sends_unless_the_target_sets_one() -> None:
    event = scheduled_event(SPEC, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["resources"] == [SPEC.rule_arn] and event["time"] == "2026-01-02T03:04:05Z"
    constant = ScheduleSpec(**{**SPEC.__dict__, "input": '{"drain": true}'})
    assert scheduled_event(constant, datetime.now(UTC)) == {"drain": True}


def test_scheduler_fires_each_period_counts_failures_and_stops() -> None:
    calls: list[tuple[str, Any]] = []
    lock = threading.Lock()

    def invoke(name: str, event: Any) -> dict[str, Any]:
        with lock:
            calls.append((name, event))
            failed = len(calls) == 2
        return {"StatusCode": 200, **({"FunctionError": "Unhandled"} if failed else {})}

    scheduler = Scheduler(invoke, [SPEC])
    started = time.monotonic()
    scheduler.start()
    while len(calls) < 4 and time.monotonic() - started < 5:
        time.sleep(0.01)
    scheduler.stop()
    fired = len(calls)
    time.sleep(0.15)
    assert fired >= 4 and len(calls) == fired  # nothing fires after stop()
    assert {name for name, _ in calls} == {"relay-fn"}
    assert scheduler.failures["relay"] == 1 and scheduler.runs["relay"] == fired - 1
