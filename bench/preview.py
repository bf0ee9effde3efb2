"""Wall time to preview every stack in stacks/ in one process, as a ratio to importing the SDK.

Baseline: `import pulumi, pulumi_aws` in a fresh interpreter (median of 3), measured in this run.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

IMPORT_PROBE = (
    "import time; t = time.perf_counter(); import pulumi, pulumi_aws; "
    "print(time.perf_counter() - t)"
)


def import_baseline(repeats: int = 3) -> float:
    samples = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", IMPORT_PROBE], check=True, capture_output=True, text=True
        )
        samples.append(float(out.stdout.strip()))
    return statistics.median(samples)


def preview_all() -> tuple[float, float, int, int]:
    start = time.perf_counter()
    from pcizone.config.loader import list_stacks
    from pcizone.offline.model import RecordedRun
    from pcizone.offline.runner import run_stack

    imported = time.perf_counter()
    cache: dict[str, RecordedRun] = {}
    stacks = list_stacks()
    resources = 0
    for stack in stacks:
        resources += sum(1 for r in run_stack(stack, cache=cache).resources if r.custom)
    end = time.perf_counter()
    return end - start, end - imported, len(stacks), resources


def main() -> None:
    baseline = import_baseline()
    total, runs_only, stacks, resources = preview_all()
    print(f"import pulumi, pulumi_aws (fresh process, median of 3): {baseline:.3f} s")
    print(f"preview {stacks} stacks ({resources} resources), in one process: {total:.3f} s")
    print(f"  of which program runs after imports: {runs_only:.3f} s")
    print(f"ratio preview-all / import baseline: {total / baseline:.2f}x")


if __name__ == "__main__":
    main()
