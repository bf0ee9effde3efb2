"""`pcizone compliance --stack S | --all`: the PCI DSS compliance report of stacks, offline.

Runs each stack's real program offline, evaluates the policy pack on it, and writes Markdown
and JSON reports. Exits 1 when any stack has a mandatory violation.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.text import Text

from pcizone.cli.console import console
from pcizone.errors import EXIT_FAILED, EXIT_OK, UserError

DEFAULT_OUT = Path("reports") / "compliance"


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "compliance", help="write the PCI DSS compliance report (Markdown + JSON) of stacks"
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--stack", help="stack name, e.g. prod or dev-alice")
    which.add_argument("--all", action="store_true", help="every stack in stacks/")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"report folder (default {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--policy-config",
        type=Path,
        metavar="FILE",
        help="enforcement overrides, in the shape of pulumi's --policy-pack-config JSON",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pcizone.config.loader import find_repo_root, list_stacks
    from pcizone.offline.model import RecordedRun
    from pcizone.offline.runner import run_stack
    from pcizone.policy.evaluate import evaluate_run
    from pcizone.policy.report import build_report
    from pcizone.policy.report_files import write_reports

    # Bad input fails before any stack runs or any file is written.
    overrides = _read_policy_config(args.policy_config)
    if args.out.exists() and not args.out.is_dir():
        raise UserError(f"--out {args.out}: is a file; give a folder for the reports")
    root = find_repo_root()
    stacks = list_stacks(root) if args.all else [args.stack]
    out = console()
    cache: dict[str, RecordedRun] = {}
    reports = []
    for stack in stacks:
        verdict = evaluate_run(run_stack(stack, repo_root=root, cache=cache), enforcement=overrides)
        report = build_report(verdict)
        reports.append(report)
        totals = report["totals"]
        line = Text(f"{stack}: ", style="bold")
        line.append(
            "passed" if report["passed"] else "FAILED",
            style="green" if report["passed"] else "bold red",
        )
        line.append(
            f"  {totals['pass']} pass, {totals['fail']} fail "
            f"({totals['mandatoryFailures']} mandatory), {totals['unknown']} unknown"
        )
        out.print(line)
    for path in write_reports(reports, args.out):
        out.print(f"wrote {path}", markup=False)
    return EXIT_OK if all(r["passed"] for r in reports) else EXIT_FAILED


def _read_policy_config(path: Path | None) -> dict[str, Any] | None:
    """The pack config; read_overrides turns every unreadable or invalid file into one line."""
    from pcizone.policy.enforcement import read_overrides

    return None if path is None else read_overrides(path)
