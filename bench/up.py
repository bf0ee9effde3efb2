"""`pcizone up --local` timings: a first run, a no-op re-run, and payments per second.

1. First run: deploy org, dev and dev-alice into an empty local cloud, run the demo scenario.
2. No-op re-run: the same command against the saved local cloud (nothing changes).
3. Throughput: the scenario with 1,000 payments; payments per second from the first request
   the API accepted to the last ledger posting (HTTP API -> queue -> worker -> ledger).

Runs in a temporary local cloud (never the repository's .state/local), removed at the end.
Ratios: the re-run to the first run, and each payment's latency to the whole batch's time.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time
from datetime import datetime

from pcizone.config.loader import find_repo_root
from pcizone.local.orchestrator import UpReport, UpRequest, run_up
from pcizone.local.paths import LocalPaths
from pcizone.local.postgres import pg_temp_dir
from pcizone.local.teardown import remove_local_cloud

STACK = "dev-alice"
PAYMENTS = 1_000


class _Quiet:
    def step(self, message: str) -> None:
        return

    def done(self, message: str) -> None:
        print(f"    {message}", flush=True)


def _run(request: UpRequest) -> tuple[UpReport, float]:
    started = time.perf_counter()
    report = run_up(request, _Quiet())
    return report, time.perf_counter() - started


def _changed(report: UpReport) -> int:
    return sum(
        count
        for result in report.stacks
        for action, count in result.counts().items()
        if action != "same"
    )


def _throughput(report: UpReport) -> tuple[float, float, float]:
    """(payments/s, median latency ms, seconds from first acceptance to last posting)."""
    assert report.scenario is not None
    firsts: list[datetime] = []
    lasts: list[datetime] = []
    latencies: list[float] = []
    for journey in report.scenario.journeys:
        ledger = [step.at for step in journey.steps if step.stage == "ledger"]
        if not ledger or not journey.steps:
            continue
        firsts.append(journey.steps[0].at)
        lasts.append(ledger[-1])
        if journey.latency_ms is not None:
            latencies.append(journey.latency_ms)
    span = (max(lasts) - min(firsts)).total_seconds()
    return len(lasts) / span, statistics.median(latencies), span


def main() -> int:
    root = find_repo_root()
    base = pg_temp_dir("pcizone-bench-up-")
    paths = LocalPaths(base / "local")
    request = UpRequest(stack=STACK, repo_root=root, state_dir=paths.root)
    try:
        print(f"first run of pcizone up --stack {STACK} --local (empty local cloud)")
        first, first_s = _run(request)
        print("no-op re-run (the saved local cloud)")
        again, again_s = _run(request)
        print(f"{PAYMENTS} payments through the API, queue, worker and ledger")
        bulk, bulk_s = _run(
            UpRequest(stack=STACK, repo_root=root, state_dir=paths.root, payments=PAYMENTS)
        )
    finally:
        remove_local_cloud(paths)
        shutil.rmtree(base, ignore_errors=True)
    ok = first.expectations_held and again.expectations_held and bulk.expectations_held
    rate, median_ms, span = _throughput(bulk)
    deploy_first = first.timings.get("deploy", 0.0)
    deploy_again = again.timings.get("deploy", 0.0)
    print()
    print(f"resources deployed        {first.resource_count:6d}  in {len(first.stacks)} stacks")
    print(
        f"first run                 {first_s:8.1f} s  (deploy {deploy_first:.1f} s,"
        f" scenario {first.timings.get('scenario', 0.0):.1f} s)"
    )
    print(
        f"no-op re-run              {again_s:8.1f} s  (deploy {deploy_again:.1f} s,"
        f" {_changed(again)} changes; {again_s / first_s:.2f}x the first run,"
        f" deploy {deploy_again / max(deploy_first, 1e-9):.2f}x)"
    )
    print(
        f"payments per second       {rate:8.1f}    ({PAYMENTS} payments settled in {span:.1f} s;"
        f" median latency {median_ms:.0f} ms = {median_ms / 1000 / span:.2f}x the batch;"
        f" whole run {bulk_s:.1f} s)"
    )
    print("every expectation held" if ok else "SOME EXPECTATIONS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
