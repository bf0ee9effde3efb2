"""Cold start: how long each Lambda handler module takes to import, against `import boto3`.

Each figure is the median of fresh interpreters (nothing cached in-process). Two columns per
handler: the module itself (what Lambda imports at init), and the module plus what its first
invocation imports (the handlers defer their heavy imports to that call). Ratios are against
`import boto3` measured in the same run.

    python bench/cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

# What each handler's first invocation imports (the API and the relay build an SQS client).
HANDLERS = {
    "payments.handlers.api": ["payments.api", "payments.app", "boto3"],
    "payments.handlers.worker": ["payments.worker", "payments.app", "payments.processor.fake"],
    "payments.handlers.dlq_auditor": ["payments.auditor", "payments.app"],
    "payments.handlers.outbox_relay": ["payments.outbox", "payments.app", "boto3"],
}
_PROBE = (
    "import time, importlib\n"
    "start = time.perf_counter()\n"
    "for name in {names!r}: importlib.import_module(name)\n"
    "print(time.perf_counter() - start)\n"
)


def import_seconds(names: list[str], runs: int) -> float:
    """Median seconds to import `names` in a fresh interpreter."""
    samples = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", _PROBE.format(names=names)],
            capture_output=True,
            text=True,
            check=True,
        )
        samples.append(float(done.stdout.strip()))
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per figure")
    args = parser.parse_args()
    baseline = import_seconds(["boto3"], args.runs)
    print(f"baseline: import boto3 = {baseline * 1000:.1f} ms (median of {args.runs})")
    print(f"{'handler module':34} {'import':>9} {'x boto3':>8} {'+first call':>12} {'x boto3':>8}")
    for module, first_call in HANDLERS.items():
        alone = import_seconds([module], args.runs)
        warm = import_seconds([module, *first_call], args.runs)
        print(
            f"{module:34} {alone * 1000:7.1f}ms {alone / baseline:8.2f}"
            f" {warm * 1000:10.1f}ms {warm / baseline:8.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
