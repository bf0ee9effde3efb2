"""`pcizone preview --stack S`: the real program, offline, with the policy verdict and a diff."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pcizone.cli.console import console
from pcizone.cli.policy_bridge import evaluate_and_print
from pcizone.offline.diff import diff_plans
from pcizone.offline.plan_io import check_plan_target, read_plan, write_plan
from pcizone.offline.render import diff_table, print_run
from pcizone.offline.runner import run_stack


def register(sub: Any) -> None:
    parser = sub.add_parser("preview", help="preview a stack offline with the PCI policy verdict")
    parser.add_argument("--stack", required=True, help="stack name, e.g. dev-alice")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the plan JSON here")
    parser.add_argument("--against", type=Path, metavar="PLAN", help="diff against a saved plan")
    parser.add_argument("--quiet", action="store_true", help="print only the verdict and diff")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Check the files first: a bad --against or --json fails before any work is done.
    baseline = read_plan(args.against) if args.against else None
    if args.json:
        check_plan_target(args.json)
    recorded = run_stack(args.stack)
    plan = recorded.to_plan()
    out = console()
    if not args.quiet:
        print_run(recorded, out)
    if baseline is not None:
        out.print(diff_table(diff_plans(baseline, plan)))
    if args.json:
        write_plan(plan, args.json)
        out.print(f"plan written to {args.json}", markup=False)
    return evaluate_and_print(recorded, out)
