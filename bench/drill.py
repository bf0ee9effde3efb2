"""Local switchover and failover: RTO and RPO over 5 runs each (min, median, max).

Each run builds a fresh primary and streaming replica, writes payments through the payments
API with the workload probe (one every 5 ms), injects the fault and measures. Ratios: RTO to
the probe's interval (how many missed writes an outage costs), and the measured write rate to
the probe's target rate.
"""

from __future__ import annotations

import shutil
import statistics
import sys
from pathlib import Path

from pcizone.dr.clock import Clock
from pcizone.dr.local_db_drill import LocalDbDrill
from pcizone.dr.payments_ledger import PaymentsLedger
from pcizone.dr.targets import DrillTargets
from pcizone.dr.timeline import Timeline
from pcizone.local.postgres import ensure_template, pg_temp_dir

RUNS = 5
INTERVAL = 0.005
TARGETS = DrillTargets(rto_seconds=60, rpo_seconds=60, rpo_commits=1_000)


def spread(values: list[float]) -> str:
    return (
        f"min {min(values):8.3f}  median {statistics.median(values):8.3f}  max {max(values):8.3f}"
    )


def bench(scenario: str, template: Path) -> bool:
    rto: list[float] = []
    gap: list[float] = []
    rpo: list[float] = []
    rpo_s: list[float] = []
    rate: list[float] = []
    ok = True
    for _ in range(RUNS):
        result = LocalDbDrill(
            scenario,
            PaymentsLedger(),
            TARGETS.for_scenario(scenario),
            Timeline(Clock()),
            template=template,
            probe_interval=INTERVAL,
        ).run()
        if result.error or result.rto_seconds is None or result.rpo_commits is None:
            print(f"  run failed: {result.error or result.checks}")
            ok = False
            continue
        acct = result.measurements["accounting"]
        rto.append(result.rto_seconds)
        gap.append(acct["write_gap_seconds"])
        rpo.append(result.rpo_commits)
        rpo_s.append(result.rpo_seconds or 0.0)
        rate.append(result.measurements["probe_write_rate_before_fault_per_s"])
        ok = ok and result.passed
    if not rto:
        return False
    print(f"{scenario} ({len(rto)} runs)")
    print(f"  RTO fault -> first commit on new writer (s)  {spread(rto)}")
    print(f"  write gap, last old -> first new ack (s)     {spread(gap)}")
    print(f"  RPO lost acknowledged commits               {spread(rpo)}")
    print(f"  RPO loss window (s)                         {spread(rpo_s)}")
    print(f"  probe write rate before the fault (1/s)     {spread(rate)}")
    print(
        f"  ratios: median RTO = {statistics.median(rto) / INTERVAL:.0f} probe intervals;"
        f" median write rate = {statistics.median(rate) * INTERVAL:.0%} of the target"
        f" {1 / INTERVAL:.0f}/s"
    )
    return ok


def main() -> int:
    cache = pg_temp_dir("pcizone-bench-template-")
    try:
        template = ensure_template(cache)
        results = [bench("db-switchover", template), bench("db-failover", template)]
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
