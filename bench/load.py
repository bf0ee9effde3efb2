"""Sustained load on the local payments API: a fixed request rate, no faults.

Every request must get its 201 on the first attempt (error rate 0) and the rate must hold.
Prints p50/p99, the resident memory of the API and worker processes at the start and the end
(growth < 10%), and the CPU milliseconds each part of the path spent per request, with the
cores other processes of the machine used meanwhile: cores * 1000 / total is the ceiling.

    python bench/load.py [--rate 200] [--seconds 60]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from pcizone.local.chaos.run import run_load
from pcizone.local.postgres import PostgresError, pg_temp_dir


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    if args.rate <= 0 or args.seconds <= 0:
        print("load: --rate and --seconds must be positive", file=sys.stderr)
        return 2
    base = pg_temp_dir("pcizone-load-")
    logs = Path(tempfile.mkdtemp(prefix="pcizone-load-logs-"))
    try:
        report = run_load(base, logs, rate=args.rate, seconds=args.seconds)
    except PostgresError as exc:
        print(f"load: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(logs, ignore_errors=True)
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
