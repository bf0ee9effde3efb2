"""2,000 payments through the real local path (HTTP API -> SQS -> worker -> ledger) under every
fault at once, then reconciled. `bench/chaos.py` runs the same with 10,000.

Faults: worker crashes after the charge and before the acknowledgement (process exit, SIGKILL
from outside, raised exception); processor 5xx, timeouts before and after charging, and answers
lost for a few payments for the whole incident; duplicate deliveries; PostgreSQL connections
terminated and one restart mid-run; SQS errors and throttling on a share of every SQS call;
clients retrying with the same Idempotency-Key; malformed and poison messages. Afterwards the
operator's safe redrive settles what dead-lettered, and reconciliation must find every count
equal: each payment settled, declined or failed with a reason, or among the dead letters; the
processor's journal equal to the ledger charge for charge; no duplicate; the ledger balanced;
no card number in any captured log.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pcizone.local.chaos.run import run_chaos

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PAYMENTS = 2000


def test_chaos_run_reconciles_every_payment(
    pg_workdir: Path, postgres_template: Path, tmp_path: Path
) -> None:
    report = run_chaos(
        pg_workdir,
        tmp_path / "logs",
        payments=PAYMENTS,
        template=postgres_template,
        timeout_seconds=150.0,
    )
    summary = "\n".join(report.lines())
    assert [c.name for c in report.checks if not c.passed] == [], summary
    figures = report.figures
    # Every accepted payment is accounted for, and nothing is left pending.
    assert figures["settled"] + figures["declined"] + figures["failed"] == PAYMENTS, summary
    assert figures["pending"] == 0, summary
    assert figures["processor_charges"] == figures["settled"], summary
    # Each fault was injected, not merely configured.
    assert figures["pg_restarts"] == 1, summary
    for fault in (
        "pg_connections_terminated",
        "workers_killed",
        "worker_invocations_died",
        "worker_invocations_raised",
        "processor_5xx",
        "processor_timeouts",
        "duplicates_sent",
        "sqs_failed_before",
        "sqs_failed_after",
        "client_retries",
    ):
        assert figures[fault] > 0, f"{fault} never happened\n{summary}"
    assert figures["poison_sent"] == 6, summary
    # Lost answers dead-lettered payments the processor had charged; the redrive posted them.
    assert figures["charged_not_posted_before_redrive"] > 0, summary
    assert figures["redriven"] > 0, summary
