"""Drift: does the real cloud still match a stack's state?

    python -m pcizone.gitops.drift check --stack dev --out DIR [--pulumi PATH]

Runs `pulumi refresh --preview-only --expect-no-changes --json` (read-only: nothing is
written to the state) and writes DIR/<stack>.json and DIR/<stack>.log. Exit 0: no drift;
1: drift; 4: the refresh itself failed. Drift is reported as operation and URN only, never
as property values, so the issue it opens cannot leak configuration or data.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pcizone.gitops.errors import EXIT_FAILED, EXIT_TOOL, GitOpsError, run_main
from pcizone.gitops.redact import redact

FORMAT = "pcizone-drift/1"
CLEAN, DRIFT, ERROR = "clean", "drift", "error"
_STACK = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
# Steps that describe no difference between state and cloud.
_NO_CHANGE_OPS = frozenset({"same", "read", "refresh"})
MAX_LISTED = 50


@dataclass(frozen=True)
class Change:
    op: str
    urn: str


@dataclass(frozen=True)
class DriftReport:
    stack: str
    status: str
    changes: tuple[Change, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "stack": self.stack,
            "status": self.status,
            "counts": self.counts,
            "changes": [{"op": c.op, "urn": c.urn} for c in self.changes],
            "detail": self.detail,
        }


def refresh_argv(pulumi: str, stack: str) -> list[str]:
    return [
        pulumi, "refresh", "--stack", stack, "--preview-only", "--expect-no-changes",
        "--json", "--non-interactive", "--color", "never",
    ]  # fmt: skip


def interpret(stack: str, exit_code: int, stdout: str, stderr: str) -> DriftReport:
    """Drift, clean or error, from the refresh preview's exit code and JSON digest."""
    digest = _parse_digest(stdout)
    counts = _counts(digest)
    changes = tuple(_changes(digest))
    drifted = any(op not in _NO_CHANGE_OPS and n > 0 for op, n in counts.items()) or bool(changes)
    if exit_code == 0:
        # --expect-no-changes makes any change a failure, so exit 0 is the engine's "no drift".
        return DriftReport(stack, CLEAN, counts=counts)
    if drifted:
        return DriftReport(stack, DRIFT, changes, counts)
    reason = _first_error(digest) or _tail(stderr) or f"pulumi exited with {exit_code}"
    return DriftReport(stack, ERROR, counts=counts, detail=redact(reason))


def _parse_digest(stdout: str) -> dict[str, Any]:
    text = stdout.strip()
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _counts(digest: dict[str, Any]) -> dict[str, int]:
    summary = digest.get("changeSummary")
    if not isinstance(summary, dict):
        return {}
    return {str(k): int(v) for k, v in summary.items() if isinstance(v, int | float)}


def _changes(digest: dict[str, Any]) -> list[Change]:
    found = []
    steps = digest.get("steps")
    for step in steps if isinstance(steps, list) else []:
        if not isinstance(step, dict):
            continue
        op, urn = step.get("op"), step.get("urn")
        if not isinstance(op, str) or not isinstance(urn, str):
            continue
        differs = bool(step.get("diffReasons") or step.get("detailedDiff"))
        if op not in _NO_CHANGE_OPS or (op == "refresh" and differs):
            found.append(Change(op, urn))
    return found


def _first_error(digest: dict[str, Any]) -> str:
    diagnostics = digest.get("diagnostics")
    for item in diagnostics if isinstance(diagnostics, list) else []:
        if isinstance(item, dict) and item.get("severity") == "error":
            return str(item.get("message", "")).strip()[:1000]
    return ""


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def check(stack: str, out: Path, pulumi: str = "pulumi") -> DriftReport:
    if not _STACK.match(stack):
        raise GitOpsError(f"--stack: {stack!r} is not a stack name")
    out.mkdir(parents=True, exist_ok=True)
    argv = refresh_argv(pulumi, stack)
    print(f"$ {' '.join(argv)}", flush=True)
    try:
        result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=2400)
    except FileNotFoundError:
        raise GitOpsError(f"{pulumi}: not found; install the Pulumi CLI first", EXIT_TOOL) from None
    except subprocess.TimeoutExpired:
        report = DriftReport(stack, ERROR, detail="pulumi refresh did not finish in 40 minutes")
    else:
        report = interpret(stack, result.returncode, result.stdout, result.stderr)
        (out / f"{stack}.log").write_text(redact(result.stderr), encoding="utf-8")
    (out / f"{stack}.json").write_text(json.dumps(report.to_json(), indent=2), encoding="utf-8")
    return report


def load_reports(folder: Path) -> list[DriftReport]:
    """Every <stack>.json in folder; an unreadable one is an error report, never skipped."""
    reports = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or not _STACK.match(str(data.get("stack"))):
                raise ValueError("not a drift report")
            changes = tuple(Change(str(c["op"]), str(c["urn"])) for c in data.get("changes", []))
            reports.append(
                DriftReport(
                    str(data["stack"]),
                    str(data["status"]),
                    changes,
                    {str(k): int(v) for k, v in dict(data.get("counts", {})).items()},
                    str(data.get("detail", "")),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError, OSError) as err:
            reports.append(DriftReport(path.stem, ERROR, detail=f"unreadable report: {err}"))
    return reports


def issue(
    reports: Sequence[DriftReport], *, run_url: str, expected: Sequence[str] = ()
) -> tuple[str, str] | None:
    """(title, body) of the issue to open or comment on, or None when all stacks are clean.

    A stack in `expected` without a report counts as a failed check: its job died before the
    refresh ran (for example, the role could not be assumed).
    """
    seen = {r.stack for r in reports}
    reports = [
        *reports,
        *(
            DriftReport(s, ERROR, detail="no report: the job failed before the refresh ran")
            for s in expected
            if s not in seen
        ),
    ]
    drifted = [r for r in reports if r.status == DRIFT]
    broken = [r for r in reports if r.status not in (CLEAN, DRIFT)]
    if not reports:
        broken = [DriftReport("(no stack)", ERROR, detail="no drift report was produced")]
    if not drifted and not broken:
        return None
    title = "Infrastructure drift detected" if drifted else "Drift check could not run"
    lines = [
        "`pulumi refresh --preview-only --expect-no-changes` found differences between the "
        "recorded state and the cloud. Investigate each change: revert it in the cloud, or "
        "adopt it through a reviewed pull request. Never leave drift unexplained in a "
        "PCI DSS environment.",
        "",
        "| Stack | Result | Changed resources |",
        "|---|---|---|",
    ]
    for report in reports:
        result = {CLEAN: "✅ no drift", DRIFT: "❌ drift"}.get(report.status, "⚠️ check failed")
        lines.append(f"| {report.stack} | {result} | {len(report.changes)} |")
    for report in drifted:
        listed = [f"{c.op:8} {c.urn}" for c in report.changes[:MAX_LISTED]]
        more = len(report.changes) - MAX_LISTED
        if more > 0:
            listed.append(f"... and {more} more (see the run's drift-{report.stack} artifact)")
        lines += ["", f"### {report.stack}", "", _fence("\n".join(listed) or "(see the log)")]
    for report in broken:
        lines += ["", f"### {report.stack}: the check failed", "", _fence(report.detail[:3000])]
    if run_url:
        lines += ["", f"Workflow run: {run_url}"]
    return title, "\n".join(lines)


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{redact(text)}\n{fence}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pcizone.gitops.drift")
    sub = parser.add_subparsers(dest="what", required=True)
    run = sub.add_parser("check", help="refresh preview of one stack")
    run.add_argument("--stack", required=True)
    run.add_argument("--out", type=Path, required=True)
    run.add_argument("--pulumi", default="pulumi", help="the Pulumi CLI (default: on PATH)")
    args = parser.parse_args(argv)
    report = check(args.stack, args.out, args.pulumi)
    print(f"{report.stack}: {report.status} ({len(report.changes)} changed resources)")
    for change in report.changes[:MAX_LISTED]:
        print(f"  {change.op:8} {change.urn}")
    if report.detail:
        print(report.detail, file=sys.stderr)
    return {CLEAN: 0, DRIFT: EXIT_FAILED}.get(report.status, EXIT_TOOL)


if __name__ == "__main__":
    sys.exit(run_main(main))
