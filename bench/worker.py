"""Worker throughput against a local PostgreSQL, next to the raw insert rate of the same rows.

Settles N pending payments through the worker path (SQS-shaped batches into
`payments.worker.handle`, the fake processor with its journal, the ledger, masked logging to
/dev/null), then writes the same rows for another N payments straight through one psycopg
connection, one transaction per payment: the processor journal's request and charge, the
charge, two ledger entries, the status update and the history event. Both run on the same
fresh server in the same run. The worker commits twice per payment (the processor's journal
is another system's commit) and locks, checks and logs; the ratio is what that costs.

    python bench/worker.py [--payments 5000] [--batch 10]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import time
from typing import Any

import psycopg
from payments import ledger, store, worker
from payments.app import App
from payments.config import Settings
from payments.db.connection import Database, connect_dsn
from payments.db.migrate import apply_migrations
from payments.ids import new_payment_id
from payments.logging import configure_logging
from payments.models import CreatePayment
from payments.processor.fake import FakeProcessor, journal_summary
from pcizone.local.postgres import PostgresServer, pg_temp_dir


def create_pending(conn: psycopg.Connection[Any], count: int) -> list[str]:
    request = CreatePayment(
        amount_minor=1999,
        currency="EUR",
        merchant_reference="bench",
        customer_reference="bench",
        payment_method="pm_card_visa",
    )
    ids = []
    with conn.transaction():
        for _ in range(count):
            ids.append(store.insert_payment(conn, new_payment_id(), request).id)
    return ids


def run_worker(dsn: str, ids: list[str], batch: int) -> tuple[float, list[float]]:
    settings = Settings(
        env="local",
        db_host="127.0.0.1",
        db_name="bench",
        db_user="bench",
        db_sslmode="disable",
        max_amount_minor=10**6,
        processor="fake",
        aws_region="eu-west-1",
    )
    processor = FakeProcessor(lambda: connect_dsn(dsn, "bench-fake-processor"))
    app = App(
        settings,
        "worker",
        database=Database(lambda: connect_dsn(dsn, "bench-worker")),
        processor=processor,
    )
    latencies = []
    started = time.perf_counter()
    for first in range(0, len(ids), batch):
        records = [
            {"messageId": f"m-{i}", "body": json.dumps({"payment_id": pid})}
            for i, pid in enumerate(ids[first : first + batch], start=first)
        ]
        t0 = time.perf_counter()
        response = worker.handle(app, {"Records": records})
        latencies.append(time.perf_counter() - t0)
        if response["batchItemFailures"]:
            raise SystemExit(f"worker reported failures: {response['batchItemFailures'][:3]}")
    elapsed = time.perf_counter() - started
    app.close()
    return elapsed, latencies


def run_raw(conn: psycopg.Connection[Any], ids: list[str]) -> float:
    started = time.perf_counter()
    for number, pid in enumerate(ids):
        with conn.transaction():
            conn.execute(
                "INSERT INTO fake_processor.requests (idempotency_key, attempt, fate)"
                " VALUES (%s, 1, 'ok')",
                (f"pcz-{pid}-raw",),
            )
            conn.execute(
                "INSERT INTO fake_processor.charges (charge_id, idempotency_key, payment_id,"
                " amount_minor, currency, payment_method, outcome)"
                " VALUES (%s, %s, %s, 1999, 'EUR', 'pm_card_visa', 'succeeded')",
                (f"ch_raw_{number}", f"pcz-{pid}-raw", pid),
            )
            conn.execute(
                "INSERT INTO charges (payment_id, processor, processor_charge_id,"
                " idempotency_key, amount_minor, currency) VALUES (%s, 'raw', %s, %s, 1999, 'EUR')",
                (pid, f"ch_raw_{number}", f"pcz-{pid}-raw"),
            )
            conn.execute(
                "INSERT INTO ledger_entries (payment_id, posting, account, direction,"
                " amount_minor, currency) VALUES"
                " (%s, 'settlement', 'processor_clearing', 'debit', 1999, 'EUR'),"
                " (%s, 'settlement', 'merchant_payable', 'credit', 1999, 'EUR')",
                (pid, pid),
            )
            conn.execute(
                "UPDATE payments SET status = 'settled', updated_at = now() WHERE id = %s", (pid,)
            )
            conn.execute(
                "INSERT INTO payment_events (payment_id, status, event) VALUES (%s, 'settled', 'raw')",
                (pid,),
            )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=10, help="records per SQS batch")
    args = parser.parse_args()
    configure_logging(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the process
    base = pg_temp_dir("pcizone-bench-")
    server = PostgresServer(base / "data")  # default durability: fsync on, as Aurora commits
    try:
        server.init()
        server.start()
        password = secrets.token_urlsafe(16)  # a throwaway role on a server deleted afterwards
        server.create_role_and_database("bench", "bench", password)
        dsn = server.dsn("bench", "bench", password)
        with psycopg.connect(dsn, autocommit=True) as conn:
            apply_migrations(conn)
            for_worker = create_pending(conn, args.payments)
            for_raw = create_pending(conn, args.payments)
            elapsed, latencies = run_worker(dsn, for_worker, args.batch)
            raw_elapsed = run_raw(conn, for_raw)
            summary = journal_summary(conn)
            assert summary.succeeded == 2 * args.payments and summary.double_charged == ()
            assert ledger.unbalanced_payments(conn) == []
            settled = conn.execute(
                "SELECT count(*) FROM payments WHERE status = 'settled'"
            ).fetchone()
            assert settled == (2 * args.payments,)
    finally:
        server.destroy()
        shutil.rmtree(base, ignore_errors=True)
    worker_rate = args.payments / elapsed
    raw_rate = args.payments / raw_elapsed
    cuts = statistics.quantiles(latencies, n=100)
    print(f"payments: {args.payments}, batches of {args.batch}, PostgreSQL on loopback, fsync on")
    print(f"worker path : {worker_rate:8.1f} payments settled/s ({elapsed:.2f} s)")
    print(f"raw inserts : {raw_rate:8.1f} payments/s        ({raw_elapsed:.2f} s, one connection)")
    print(f"ratio       : {worker_rate / raw_rate:8.2f} (worker / raw)")
    print(
        f"batch latency: p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms"
        f" for {args.batch} records"
    )
    print(f"checked: {summary.succeeded} journaled charges, none twice; ledger balanced")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
