"""The chaos run and the load run, each returning a report of figures and verdicts."""

from __future__ import annotations

import base64
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from pcizone.local.chaos.client import ApiClient, Outcome, payment_body, percentile
from pcizone.local.chaos.harness import API, WORKER, Harness, HarnessOptions
from pcizone.local.chaos.injectors import InjectionLog, Injectors
from pcizone.local.chaos.reconcile import Check, reconcile

CURRENCIES = ("EUR", "USD", "GBP", "JPY")
CHAOS_WORKER_ENV = {
    "PAYMENTS_FAKE_FAULTS": "seed=7,decline=0.02,error=0.05,timeout=0.03",
    "CHAOS_CRASH_EXIT_RATE": "0.01",
    "CHAOS_CRASH_RAISE_RATE": "0.02",
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
    options = HarnessOptions(worker_env=CHAOS_WORKER_ENV, sqs_fault_rate=0.03, seed=seed)
    report, log = Report(), InjectionLog()
    started = time.monotonic()
    with Harness(pg_base, log_dir, options, template) as harness:
        assert harness.runtime is not None and harness.runtime.api_url is not None
        injectors = Injectors(harness, log, seed)
        injectors.every(0.7, "drop_connections")
        injectors.every(1.3, "kill_worker")
        injectors.every(2.0, "relay_outbox")
        injectors.send_poison()
        client, run_id = ApiClient(harness.runtime.api_url), _run_id()
        restart = threading.Timer(0.0, lambda: None)
        done = threading.Event()

        def restart_midway() -> None:
            # Once 40% of the payments were answered: a restart with traffic in flight.
            while not done.wait(0.1):
                if answered[0] >= payments * 0.4:
                    injectors.restart_postgres()
                    return

        answered = [0]
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
            restart.cancel()
            client.close()
        firsts = [o[0] for o in outcomes]
        accepted = [o.payment_id for o in firsts if o.status == 201 and o.payment_id]
        injectors.send_duplicates(accepted[:: max(1, len(accepted) // 200)])
        load_seconds = time.monotonic() - started
        settled_in_time = _wait_resolved(
            harness, accepted, log.poison_sent, started + timeout_seconds
        )
        injectors.stop()
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
        replays = [o for o in outcomes if len(o) == 2]
        replay_ok = all(
            o[1].status == 201 and o[1].replayed and o[1].payment_id == o[0].payment_id
            for o in replays
        )
        client_ms = [o.latency_ms for o in firsts]
        proxy = harness.proxy
        assert proxy is not None
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
        *checks,
    ]
    report.figures = {
        "payments": payments,
        **figures,
        "load_seconds": round(load_seconds, 1),
        "total_seconds": round(time.monotonic() - started, 1),
        "api_p50_ms": round(percentile(client_ms, 0.5), 1),
        "api_p99_ms": round(percentile(client_ms, 0.99), 1),
        "settle_p50_ms": round(percentile(settle_ms, 0.5), 1),
        "settle_p99_ms": round(percentile(settle_ms, 0.99), 1),
        "client_retries": sum(o.attempts - 1 for o in firsts),
        "pg_connections_terminated": log.connections_terminated,
        "pg_restarts": log.restarts,
        "workers_killed": log.workers_killed,
        "duplicates_sent": log.duplicates_sent,
        "poison_sent": len(log.poison_sent),
        "sqs_calls": proxy.counts.forwarded,
        "sqs_failed_before": proxy.counts.failed_before,
        "sqs_failed_after": proxy.counts.failed_after,
    }
    return report


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


def _memory(harness: Harness) -> dict[int, tuple[str, int]]:
    assert harness.runtime is not None
    return {
        e.pid: (e.function_name, e.rss_kb or 0)
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
        client, run_id = ApiClient(harness.runtime.api_url), _run_id()
        with ThreadPoolExecutor(concurrency) as pool:
            _paced(pool, client, f"w{run_id}", rate, warmup_seconds)
            before = _memory(harness)
            started = time.monotonic()
            outcomes = _paced(pool, client, run_id, rate, seconds)
            elapsed = time.monotonic() - started
            after = _memory(harness)
        client.close()
    errors = [o for o in outcomes if o.status != 201 or o.attempts != 1]
    latencies = [o.latency_ms for o in outcomes]
    achieved = len(outcomes) / elapsed if elapsed else 0.0
    growth = {
        pid: after[pid][1] / before[pid][1] - 1 for pid in before if pid in after and before[pid][1]
    }
    worst = max(growth.values(), default=0.0)
    for function in (API, WORKER):
        start_kb = sum(kb for name, kb in before.values() if name == function)
        end_kb = sum(kb for name, kb in after.values() if name == function)
        report.figures[f"{function}_rss_mb_start_end"] = (
            f"{start_kb / 1024:.1f} -> {end_kb / 1024:.1f}"
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
            bool(growth) and worst < max_growth,
            f"{len(growth)} environments alive at start and end; worst +{worst * 100:.1f}%"
            f" (limit {max_growth * 100:g}%)",
        ),
    ]
    return report


def _paced(
    pool: ThreadPoolExecutor, client: ApiClient, run_id: str, rate: float, seconds: float
) -> list[Outcome]:
    """Submit at a fixed rate (open loop: a slow answer does not slow the sender)."""
    total = int(rate * seconds)
    start = time.monotonic()
    futures = []
    for i in range(total):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        reference = f"load-{run_id}-{i}"
        body = payment_body(reference, 100 + i % 997, "EUR", "pm_card_visa")
        futures.append(pool.submit(client.create, f"key-{run_id}-{i}", reference, body, retries=1))
    return [f.result() for f in futures]
