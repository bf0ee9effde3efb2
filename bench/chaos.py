"""Chaos run: payments through HTTP API -> SQS -> worker -> ledger while faults are injected.

Faults: worker crashes after the charge and before the acknowledgement (exit and raise) and
SIGKILLed worker processes; processor 5xx, timeouts and declines, and answers lost after the
charge for a few payments for the whole incident; duplicate deliveries; PostgreSQL connection
drops and a restart mid-run; SQS errors and throttling (injected by the emulator on a share of
every SQS call); clients retrying with the same Idempotency-Key; poison messages. Then the
operator's safe redrive settles what dead-lettered, and the run reconciles (ledger vs the
processor's journal, duplicates, balance, every log) and exits 1 on any mismatch.

    python bench/chaos.py [--payments 10000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from pcizone.local.chaos.run import run_chaos
from pcizone.local.postgres import PostgresError, pg_temp_dir


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to resolve all")
    args = parser.parse_args()
    if args.payments < 1 or args.concurrency < 1:
        print("chaos: --payments and --concurrency must be at least 1", file=sys.stderr)
        return 2
    base = pg_temp_dir("pcizone-chaos-")
    logs = Path(tempfile.mkdtemp(prefix="pcizone-chaos-logs-"))
    try:
        report = run_chaos(
            base,
            logs,
            payments=args.payments,
            concurrency=args.concurrency,
            timeout_seconds=args.timeout,
        )
    except PostgresError as exc:
        print(f"chaos: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print("\n".join(report.lines()))
    if report.ok:
        shutil.rmtree(logs, ignore_errors=True)
        return 0
    print(f"chaos: reconciliation failed; logs kept in {logs}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
