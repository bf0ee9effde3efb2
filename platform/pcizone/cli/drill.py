"""`pcizone drill`: disaster-recovery drills with measured RTO/RPO and evidence reports.

Exit codes: 0 every drill passed; 1 a drill ran and missed a target or failed a check;
2 bad input or a refused prod drill; 130 interrupted (the topology was restored first).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table

from pcizone.cli.console import console, error_console
from pcizone.dr.targets import SCENARIOS
from pcizone.errors import EXIT_FAILED, EXIT_OK

EXIT_INTERRUPTED = 130


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "drill",
        help="run a disaster-recovery drill and write its evidence report",
        description=(
            "Fail the database over (planned or unplanned), poison the queue, or restore a"
            " backup, while a probe commits payments; measure RTO and RPO against the stack's"
            " pcizone:dr targets and write a JSON and Markdown report (PCI DSS 12.10.2)."
        ),
    )
    parser.add_argument("--stack", required=True, help="stack whose targets and resources to use")
    parser.add_argument(
        "--scenario", required=True, choices=[*SCENARIOS, "all"], help="which drill to run"
    )
    parser.add_argument(
        "--local",
        action="store_true",
        help="drill a local primary and streaming replica (and local queues) instead of AWS",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports/drills"),
        help="where reports go, one folder per stack (default: reports/drills)",
    )
    parser.add_argument(
        "--i-understand-prod",
        action="store_true",
        help="allow a drill on prod (the stack must also set pcizone:dr.allowProdDrills)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pcizone.dr.runner import DrillOptions, DrillOutcome, run_drills

    progress = error_console()

    def echo(line: str) -> None:
        progress.print(f"  [dim]{line}[/]", highlight=False, markup=True)

    def shown(outcome: DrillOutcome) -> None:
        r = outcome.result
        verdict = "[green]PASSED[/]" if r.passed else "[red]FAILED[/]"
        progress.print(f"{r.scenario}: {verdict}  report {outcome.md_path}", highlight=False)

    options = DrillOptions(
        stack=args.stack,
        scenario=args.scenario,
        local=args.local,
        report_dir=args.report_dir,
        i_understand_prod=args.i_understand_prod,
    )
    outcomes = run_drills(options, echo=echo, on_report=shown)
    console().print(_summary(args.stack, outcomes))
    if outcomes:
        console().print(f"reports (JSON and Markdown) in {outcomes[0].json_path.parent}")
    if any(o.result.interrupted for o in outcomes):
        progress.print("[yellow]interrupted:[/] the topology was restored; reports written")
        return EXIT_INTERRUPTED
    return EXIT_OK if all(o.result.passed for o in outcomes) else EXIT_FAILED


def _summary(stack: str, outcomes: list[Any]) -> Table:
    table = Table(title=f"pcizone drill: {stack}")
    for column in ("scenario", "result", "RTO (s)", "RPO (commits)", "targets", "report"):
        table.add_column(column)
    for outcome in outcomes:
        r = outcome.result
        t = r.targets
        verdict = "[green]pass[/]" if r.passed else "[red]fail[/]"
        if r.interrupted:
            verdict = "[yellow]interrupted[/]"
        table.add_row(
            r.scenario,
            verdict,
            "-" if r.rto_seconds is None else f"{r.rto_seconds:.3f}",
            "-" if r.rpo_commits is None else str(r.rpo_commits),
            f"RTO {_fmt(t.rto_seconds)} / RPO {_fmt(t.rpo_commits)}",
            outcome.json_path.stem,
        )
    return table


def _fmt(value: float | int | None) -> str:
    return "-" if value is None else f"{value:g}"
