"""`pcizone validate`: every config in stacks/ validated, every stack previewed offline."""

from __future__ import annotations

import argparse
from typing import Any

from rich.markup import escape
from rich.table import Table

from pcizone.cli.console import console, print_error
from pcizone.config.errors import ConfigError
from pcizone.config.loader import find_repo_root, list_stacks, load_stack_config
from pcizone.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UserError
from pcizone.offline.model import RecordedRun
from pcizone.offline.runner import run_stack


def register(sub: Any) -> None:
    parser = sub.add_parser("validate", help="validate every stack config and preview every stack")
    parser.add_argument("--no-policy", action="store_true", help="skip the policy verdict")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = find_repo_root()
    stacks = list_stacks(root)
    problems: list[str] = []
    valid: list[str] = []
    for stack in stacks:
        try:
            load_stack_config(stack, root)
            valid.append(stack)
        except ConfigError as exc:
            problems.extend(exc.problems)
        except UserError as exc:
            problems.append(f"stacks/Pulumi.{stack}.yaml: {exc.message}")
    table = Table(title="pcizone validate")
    for column in ("stack", "config", "resources", "policy"):
        table.add_column(column)
    cache: dict[str, RecordedRun] = {}
    worst = EXIT_OK if not problems else EXIT_USAGE
    for stack in valid:
        try:
            recorded = run_stack(stack, repo_root=root, cache=cache)
        except UserError as exc:
            problems.append(exc.message)
            table.add_row(escape(stack), "ok", "[red]program failed[/]", "")
            worst = max(worst, exc.exit_code)
            continue
        verdict = "skipped"
        if not args.no_policy:
            verdict, failed = _policy(recorded)
            if failed:
                worst = max(worst, EXIT_FAILED)
        table.add_row(escape(stack), "ok", str(recorded.cloud_resource_count), verdict)
    for stack in stacks:
        if stack not in valid:
            table.add_row(escape(stack), "[red]invalid[/]", "", "")
    console().print(table)
    for problem in problems:
        print_error(problem)
    return worst


def _policy(recorded: RecordedRun) -> tuple[str, bool]:
    from pcizone.policy.evaluate import evaluate_run

    verdict = evaluate_run(recorded)
    failed = len(verdict.mandatory_failures)
    if failed:
        return f"[red]{failed} mandatory violation(s)[/]", True
    return "[green]pass[/]", False
