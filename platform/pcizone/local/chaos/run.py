"""The chaos run and the load run, each returning a report of figures and verdicts."""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from pcizone.local.chaos import cpu
from pcizone.local.chaos.client import (
    ApiClient,
    Outcome,
    load_in_process,
    payment_body,
    percentile,
)
from pcizone.local.chaos.harness import API, WORKER, Harness, HarnessOptions
from pcizone.local.chaos.injectors import InjectionLog, Injectors
from pcizone.local.chaos.reconcile import Check, reconcile
from pcizone.local.runtime.runtime import RUNTIME_LOG

CURRENCIES = ("EUR", "USD", "GBP", "JPY")
_REDRIVE_ROUNDS = 5
CHAOS_WORKER_ENV = {
    "PAYMENTS_FAKE_FAULTS": "seed=7,decline=0.02,error=0.05,timeout=0.03",
    "CHAOS_CRASH_EXIT_RATE": "0.01",
    "CHAOS_CRASH_RAISE_RATE": "0.04",
    # About 1 payment in 200 loses every answer after the charge while the incident lasts.
    "CHAOS_LOST_ANSWER_RATE": "0.005",
    "CHAOS_SEED": "7",
}


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def lines(self) -> list[str]:
        out = [f"{k}: {v}" for k, v in self.figures.items()]
        out += [f"[{'ok' if c.passed else 'FAIL'}] {c.name}: {c.detail}" for c in self.checks]
        return out


def _run_id() -> str:
    return base64.b32encode(secrets.token_bytes(5)).decode().lower()  # no long digit runs


def _submit(
    client: ApiClient, run_id: str, index: int, replay: bool, method: str = "pm_card_visa"
) -> list[Outcome]:
    reference = f"chaos-{run_id}-{index}"
    body = payment_body(reference, 100 + index % 5000, CURRENCIES[index % 4], method)
    first = client.create(f"key-{run_id}-{index}", reference, body)
    if not replay or first.status != 201:
        return [first]
    return [first, client.create(f"key-{run_id}-{index}", reference, body)]  # a client retry


def _drive(
    harness: Harness, injectors: Injectors, payments: int, concurrency: int
) -> list[list[Outcome]]:
    """Send every payment (every 20th twice, as a client retry would), and restart PostgreSQL
    once 40% were answered: a restart with traffic in flight."""
    assert harness.runtime is not None and harness.runtime.api_url is not None
    client, run_id = ApiClient(harness.runtime.api_url), _run_id()
    answered, done = [0], threading.Event()

    def restart_midway() -> None:
        while not done.wait(0.1):
            if answered[0] >= payments * 0.4:
                injectors.restart_postgres()
                return

    restarter = threading.Thread(target=restart_midway, daemon=True)
    restarter.start()
    outcomes: list[list[Outcome]] = []
    try:
        with ThreadPoolExecutor(concurrency) as pool:
            futures = [
                pool.submit(_submit, client, run_id, i, i % 20 == 0) for i in range(payments)
            ]
            for future in futures:
                outcomes.append(future.result())
                answered[0] += 1
    finally:
        done.set()
        restarter.join(60.0)
        client.close()
    return outcomes


def run_chaos(
    pg_base: Path,
    log_dir: Path,
    *,
    payments: int,
    template: Path | None = None,
    concurrency: int = 8,
    timeout_seconds: float = 240.0,
    seed: int = 7,
) -> Report:
    incident = log_dir / "incident.flag"  # the worker's own faults last while it exists
    log_dir.mkdir(parents=True, exist_ok=True)
    incident.touch()
    worker_env = {**CHAOS_WORKER_ENV, "CHAOS_INCIDENT_FLAG": str(incident)}
    options = HarnessOptions(worker_env=worker_env, sqs_fault_rate=0.03, seed=seed)
    report, log = Report(), InjectionLog()
    started = time.monotonic()
    with Harness(pg_base, log_dir, options, template) as harness:
        assert harness.runtime is not None and harness.runtime.api_url is not None
        injectors = Injectors(harness, log, seed)
        injectors.every(0.7, "drop_connections")
        injectors.every(1.3, "kill_worker")
        injectors.every(2.0, "relay_outbox")
        injectors.send_poison()
        outcomes = _drive(harness, injectors, payments, concurrency)
        firsts = [o[0] for o in outcomes]
        accepted = [o.payment_id for o in firsts if o.status == 201 and o.payment_id]
        injectors.send_duplicates(accepted[:: max(1, len(accepted) // 200)])
        load_seconds = time.monotonic() - started
        deadline = started + timeout_seconds
        settled_in_time = _wait_resolved(harness, accepted, log.poison_sent, deadline)
        resolved_seconds = time.monotonic() - started
        # The incident is over (the fake processor stays as flaky as ever); the operator
        # answers the DLQ alerts as the runbook says.
        injectors.stop()
        incident.unlink()
        harness.emulator.set_rate(0.0)
        with harness.admin() as conn:
            unposted_before = _charged_not_posted(conn)
        operator = _operator_redrive(harness, deadline)
        with harness.admin() as conn:
            conn.autocommit = True
            checks, figures = reconcile(
                conn,
                accepted,
                [o.reference for o in firsts],
                log.poison_sent,
                log_dir,
            )
            settle_ms = _settle_latencies(conn, accepted)
            fates = dict(
                conn.execute("SELECT fate, count(*) FROM fake_processor.requests GROUP BY fate")
            )
        replays = [o for o in outcomes if len(o) == 2]
        replay_ok = all(
            o[1].status == 201 and o[1].replayed and o[1].payment_id == o[0].payment_id
            for o in replays
        )
        client_ms = [o.latency_ms for o in firsts]
        sqs_faults = harness.emulator.counts()
    report.checks = [
        Check(
            "every request answered",
            len(accepted) == payments,
            f"{len(accepted)} of {payments} got 201; statuses"
            f" {sorted({o.status for o in firsts})}; max attempts"
            f" {max((o.attempts for o in firsts), default=0)}",
        ),
        Check(
            "client retries with the same key replayed",
            replay_ok and bool(replays),
            f"{len(replays)} repeated requests, {sum(o[1].replayed for o in replays)} replayed",
        ),
        Check("resolved within the timeout", settled_in_time, f"{timeout_seconds:g} s allowed"),
        Check(
            "operator redrive finished",
            operator.finished,
            f"{operator.rounds} rounds redrove {operator.redriven} payments;"
            f" {unposted_before} charged but not posted before it",
        ),
        *checks,
    ]
    report.figures = {
        "payments": payments,
        **figures,
        "redriven": operator.redriven,
        "charged_not_posted_before_redrive": unposted_before,
        "load_seconds": round(load_seconds, 1),
        "resolved_seconds": round(resolved_seconds, 1),
        "total_seconds": round(time.monotonic() - started, 1),
        "api_p50_ms": round(percentile(client_ms, 0.5), 1),
        "api_p99_ms": round(percentile(client_ms, 0.99), 1),
        "settle_p50_ms": round(percentile(settle_ms, 0.5), 1),
        "settle_p99_ms": round(percentile(settle_ms, 0.99), 1),
        "client_retries": sum(o.attempts - 1 for o in firsts),
        "processor_5xx": fates.get("error", 0),
        "processor_timeouts": fates.get("timeout_before", 0) + fates.get("timeout_after", 0),
        **_worker_failures(log_dir),
        "pg_connections_terminated": log.connections_terminated,
        "pg_restarts": log.restarts,
        "workers_killed": log.workers_killed,
        "duplicates_sent": log.duplicates_sent,
        "poison_sent": len(log.poison_sent),
        "sqs_calls": sqs_faults.sqs_calls,
        "sqs_failed_before": sqs_faults.failed_before,
        "sqs_failed_after": sqs_faults.failed_after,
    }
    return report


@dataclass(frozen=True)
class OperatorReport:
    rounds: int
    redriven: int
    finished: bool  # the last round found nothing left to redrive


def _operator_redrive(harness: Harness, deadline: float) -> OperatorReport:
    """What the on-call engineer does after the DLQ alerts: once both queues are quiet, run the
    safe redrive (`payments.ops.redrive`) and let the worker take what it re-sent; again, until
    a round finds nothing to redrive. A payment whose charge timed out after the processor took
    the money is settled here: the worker asks again with the same key and posts the replay."""
    from payments.ops.redrive import redrive

    sqs = harness.sqs_admin()
    rounds = redriven = 0
    while rounds < _REDRIVE_ROUNDS and _wait_queues_empty(harness, sqs, deadline):
        rounds += 1
        with psycopg.connect(
            harness.dsn, autocommit=True, application_name="payments-redrive"
        ) as conn:
            report = redrive(conn, sqs, harness.dlq_url, harness.queue_url, dry_run=False)
        if not report.redriven:
            return OperatorReport(rounds, redriven, True)
        redriven += len(report.redriven)
    return OperatorReport(rounds, redriven, False)


def _wait_queues_empty(harness: Harness, sqs: Any, deadline: float) -> bool:
    """True once neither queue holds a message, visible or in flight."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    while time.monotonic() < deadline:
        held = sum(
            int(v)
            for url in (harness.queue_url, harness.dlq_url)
            for v in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)[
                "Attributes"
            ].values()
        )
        if held == 0:
            return True
        time.sleep(0.25)
    return False


def _worker_failures(log_dir: Path) -> dict[str, int]:
    """Worker invocations that died (exit or SIGKILL) or raised, from the runtime's log."""
    counts = {"worker_invocations_died": 0, "worker_invocations_raised": 0}
    with (log_dir / RUNTIME_LOG).open(encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            if event.get("event") != "batch" or event.get("function") != WORKER:
                continue
            if event.get("outcome") == "crash":
                counts["worker_invocations_died"] += 1
            elif event.get("outcome") == "error":
                counts["worker_invocations_raised"] += 1
    return counts


def _charged_not_posted(conn: Any) -> int:
    row = conn.execute(
        "SELECT count(*) FROM fake_processor.charges j WHERE j.outcome = 'succeeded'"
        " AND NOT EXISTS (SELECT 1 FROM charges c WHERE c.payment_id = j.payment_id)"
    ).fetchone()
    return int(row[0])


def _wait_resolved(
    harness: Harness, accepted: list[str], poison: list[str], deadline: float
) -> bool:
    while time.monotonic() < deadline:
        try:
            with harness.admin() as conn:
                row = conn.execute(
                    "SELECT (SELECT count(*) FROM payments p WHERE p.id = ANY(%s)"
                    " AND (p.status <> 'pending' OR EXISTS (SELECT 1 FROM dead_letters d"
                    " WHERE d.payment_id = p.id))),"
                    " (SELECT count(*) FROM dead_letters WHERE message_id = ANY(%s))",
                    (accepted, poison),
                ).fetchone()
        except psycopg.OperationalError:  # the server may be restarting: poll again
            row = None
        if row is not None and row[0] == len(accepted) and row[1] == len(poison):
            return True
        time.sleep(0.25)
    return False


def _settle_latencies(conn: Any, accepted: list[str]) -> list[float]:
    rows = conn.execute(
        "SELECT extract(epoch FROM max(e.created_at) - p.created_at) * 1000 FROM payments p"
        " JOIN payment_events e ON e.payment_id = p.id WHERE p.id = ANY(%s)"
        " AND p.status <> 'pending' GROUP BY p.id, p.created_at",
        (accepted,),
    ).fetchall()
    return [float(r[0]) for r in rows]


def _cpu_groups(harness: Harness) -> dict[str, Callable[[], list[int]]]:
    assert harness.runtime is not None
    runtime = harness.runtime

    def environments(function: str) -> Callable[[], list[int]]:
        return lambda: [e.pid for e in runtime.environments() if e.function_name == function]

    def postgres() -> list[int]:
        pid = harness.postgres.pid
        return [] if pid is None else [pid, *cpu.children_of(pid)]

    emulator = harness.emulator.pid
    return {
        "runtime": lambda: [os.getpid()],
        "api": environments(API),
        "worker": environments(WORKER),
        "emulator": lambda: [] if emulator is None else [emulator],
        "postgres": postgres,
    }


def _describe(
    pid: int | None, before: dict[int, tuple[str, int, int]], after: dict[int, tuple[str, int, int]]
) -> str:
    if pid is None:
        return ""
    (function, start_kb, start_calls), (_, end_kb, end_calls) = before[pid], after[pid]
    return (
        f": {function} pid {pid}, {start_kb} kB after {start_calls} invocations,"
        f" {end_kb} kB after {end_calls}"
    )


def _memory(harness: Harness) -> dict[int, tuple[str, int, int]]:
    """pid -> (function, resident kB from /proc, invocations so far) of each API and worker
    environment (a process of its own)."""
    assert harness.runtime is not None
    return {
        e.pid: (e.function_name, e.rss_kb or 0, e.invocations)
        for e in harness.runtime.environments()
        if e.function_name in (API, WORKER)
    }


def run_load(
    pg_base: Path,
    log_dir: Path,
    *,
    rate: float,
    seconds: float,
    warmup_seconds: float = 5.0,
    template: Path | None = None,
    concurrency: int = 32,
    max_growth: float = 0.10,
) -> Report:
    """`rate` requests/s for `seconds`, no faults: every request must get its 201."""
    report = Report()
    options = HarnessOptions(
        worker_env={"CHAOS_SEED": "1"}, api_environments=4, worker_environments=2
    )
    with Harness(pg_base, log_dir, options, template) as harness:
        assert harness.runtime is not None and harness.runtime.api_url is not None
        url, run_id = harness.runtime.api_url, _run_id()
        load_in_process(url, f"w{run_id}", rate, warmup_seconds, concurrency)
        # Every environment idle and past its first invocation: a cold start is not growth.
        _wait_queues_empty(harness, harness.sqs_admin(), time.monotonic() + 30.0)
        before = {pid: m for pid, m in _memory(harness).items() if m[2] > 0}
        groups = _cpu_groups(harness)
        cpu_before = cpu.sample(groups)
        outcomes, elapsed = load_in_process(url, run_id, rate, seconds, concurrency)
        cpu_after = cpu.sample(groups)
        after = _memory(harness)
    errors = [o for o in outcomes if o.status != 201 or o.attempts != 1]
    latencies = [o.latency_ms for o in outcomes]
    achieved = len(outcomes) / elapsed if elapsed else 0.0
    growth = {
        pid: after[pid][1] / before[pid][1] - 1 for pid in before if pid in after and before[pid][1]
    }
    worst_pid = max(growth, key=lambda pid: growth[pid], default=None)
    worst = growth[worst_pid] if worst_pid is not None else 0.0
    measured: dict[str, int] = {}
    for function in (API, WORKER):
        pids = [pid for pid in growth if before[pid][0] == function]
        measured[function] = len(pids)
        start_kb = sum(before[pid][1] for pid in pids)
        end_kb = sum(after[pid][1] for pid in pids)
        report.figures[f"{function}_rss_mb_start_end"] = (
            f"{start_kb / 1024:.1f} -> {end_kb / 1024:.1f} ({len(pids)} processes)"
        )
    report.figures.update(
        {
            "target_rate": rate,
            "achieved_rate": round(achieved, 1),
            "requests": len(outcomes),
            "errors": len(errors),
            "p50_ms": round(percentile(latencies, 0.5), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1),
            "worst_environment_growth_pct": round(worst * 100, 1),
            "environments_measured": measured,
            "cpu_ms_per_request": cpu.per_request_ms(cpu_before, cpu_after, len(outcomes), elapsed),
            "cores": os.cpu_count(),
            # Not in the growth figure: environments that started or ended within the window.
            "environments_started_ended": (
                f"{sum(1 for pid in after if pid not in before)} started,"
                f" {sum(1 for pid in before if pid not in after)} ended"
            ),
        }
    )
    report.checks = [
        Check("error rate 0", not errors and bool(outcomes), f"{len(errors)} of {len(outcomes)}"),
        Check(
            "rate sustained",
            achieved >= rate * 0.95,
            f"{achieved:.1f} req/s achieved of {rate:g} (95% needed)",
        ),
        Check(
            "memory growth under limit",
            all(measured.values()) and worst < max_growth,
            f"{len(growth)} environments alive at start and end; worst +{worst * 100:.1f}%"
            f" (limit {max_growth * 100:g}%)" + _describe(worst_pid, before, after),
        ),
    ]
    return report
