"""Sustained load on the local payments API, lower than `bench/load.py` (200 req/s for 60 s):
every request answered 201 at the first attempt, and the resident memory of every API and
worker environment (each a process of its own, read from /proc) grows by less than 10% from
the start of the measured window to its end. The rate reached is the bench's business.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pcizone.local.chaos.run import run_load

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

RATE, SECONDS = 50.0, 10.0


def test_sustained_load_has_no_errors_and_bounded_memory(
    pg_workdir: Path, postgres_template: Path, tmp_path: Path
) -> None:
    report = run_load(
        pg_workdir,
        tmp_path / "logs",
        rate=RATE,
        seconds=SECONDS,
        warmup_seconds=3.0,
        template=postgres_template,
    )
    summary = "\n".join(report.lines())
    checks = {c.name: c for c in report.checks}
    assert checks["error rate 0"].passed, summary
    assert checks["memory growth under limit"].passed, summary
    figures = report.figures
    assert figures["requests"] == int(RATE * SECONDS), summary
    assert figures["errors"] == 0, summary
    assert 0 <= figures["worst_environment_growth_pct"] < 10, summary
    # Both functions were measured, each in processes that lived through the whole window.
    assert figures["environments_measured"]["payments-api"] >= 1, summary
    assert figures["environments_measured"]["payments-worker"] >= 1, summary
