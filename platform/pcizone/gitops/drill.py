"""Runs a disaster-recovery drill in CI and turns its outcome into an issue when it misses.

    python -m pcizone.gitops.drill run --stack staging --scenario all --report-dir DIR
        [--i-understand-prod] [--pcizone PATH]

`run` calls `pcizone drill` (which writes the evidence, JSON and Markdown, into DIR) and
records the outcome next to it in DIR/outcome.json: passed (exit 0), missed (exit 1: a
recovery target was missed) or error (the drill could not complete). It exits with
pcizone's code, so the job fails on a miss. `issue()` builds the issue text from the
outcomes; the evidence Markdown is attached, masked and capped.
Standard library only, except `run`, which needs pcizone installed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pcizone.gitops.errors import EXIT_TOOL, GitOpsError, run_main
from pcizone.gitops.recorded import run_recorded, tool_env
from pcizone.gitops.redact import redact

FORMAT = "pcizone-drill-outcome/1"
STACKS = ("staging", "prod")
SCENARIOS = ("all", "db-switchover", "db-failover", "queue", "restore")
PASSED, MISSED, ERROR = "passed", "missed", "error"
EVIDENCE_LIMIT = 20_000  # characters of evidence Markdown per stack in the issue


@dataclass(frozen=True)
class Outcome:
    stack: str
    scenario: str
    status: str
    exit_code: int
    folder: Path


def status_of(exit_code: int) -> str:
    return {0: PASSED, 1: MISSED}.get(exit_code, ERROR)


def run(*, stack: str, scenario: str, report_dir: Path, prod_ok: bool, pcizone: str) -> Outcome:
    if stack not in STACKS:
        raise GitOpsError(f"--stack must be one of {', '.join(STACKS)}, got {stack!r}")
    if scenario not in SCENARIOS:
        raise GitOpsError(f"--scenario must be one of {', '.join(SCENARIOS)}, got {scenario!r}")
    if stack == "prod" and not prod_ok:
        raise GitOpsError("a prod drill needs --i-understand-prod (and the prod environment)")
    report_dir.mkdir(parents=True, exist_ok=True)
    argv = [pcizone, "drill", "--stack", stack, "--scenario", scenario]
    argv += ["--report-dir", str(report_dir)]
    if prod_ok:
        argv.append("--i-understand-prod")
    recorded = run_recorded(argv, report_dir / "drill.log", env=tool_env(), timeout=80 * 60)
    outcome = Outcome(
        stack, scenario, status_of(recorded.exit_code), recorded.exit_code, report_dir
    )
    record = {
        "format": FORMAT,
        "stack": stack,
        "scenario": scenario,
        "status": outcome.status,
        "exit_code": recorded.exit_code,
        "seconds": round(recorded.seconds, 1),
    }
    (report_dir / "outcome.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    return outcome


def load_outcomes(folder: Path) -> list[Outcome]:
    """Every outcome.json below folder (one per drilled stack)."""
    outcomes = []
    for path in sorted(folder.rglob("outcome.json")) if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("stack") not in STACKS:
                raise ValueError("not a drill outcome")
            code = int(data["exit_code"])
            outcomes.append(
                Outcome(
                    str(data["stack"]), str(data["scenario"]), status_of(code), code, path.parent
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError, OSError) as err:
            outcomes.append(Outcome(path.parent.name, "?", ERROR, -1, path.parent))
            print(f"warning: {path}: unreadable outcome ({err})", file=sys.stderr)
    return outcomes


def issue(
    outcomes: Sequence[Outcome], *, run_url: str, expected: Sequence[str] = ()
) -> tuple[str, str] | None:
    """(title, body) when a drill missed a target or could not run; None when all passed."""
    seen = {o.stack for o in outcomes}
    lost = [s for s in expected if s not in seen]
    bad = [o for o in outcomes if o.status != PASSED]
    if not bad and not lost and outcomes:
        return None
    missed = [o for o in bad if o.status == MISSED]
    stacks = sorted({o.stack for o in bad} | set(lost)) or ["(unknown stack)"]
    if missed:
        title = f"DR drill missed a recovery target: {', '.join(stacks)}"
    else:
        title = f"DR drill could not run: {', '.join(stacks)}"
    lines = [
        "A disaster-recovery drill did not meet its targets or did not complete. PCI DSS "
        "12.10.2 needs the incident response plan tested and fixed: review the evidence, fix "
        "the cause, and run the drill again (Actions > DR drill > Run workflow).",
        "",
        "| Stack | Scenario | Result |",
        "|---|---|---|",
    ]
    for o in outcomes:
        result = {PASSED: "✅ passed", MISSED: "❌ target missed"}.get(o.status, "⚠️ did not run")
        lines.append(f"| {o.stack} | {o.scenario} | {result} (exit {o.exit_code}) |")
    for stack in lost:
        lines.append(f"| {stack} | ? | ⚠️ no outcome: the job failed before the drill ran |")
    if not outcomes and not lost:
        lines.append("| ? | ? | ⚠️ no drill outcome was produced |")
    for o in bad:
        lines += [
            "",
            f"<details><summary>{o.stack}: evidence</summary>",
            "",
            _evidence(o),
            "</details>",
        ]
    if run_url:
        lines += ["", f"Evidence artifacts and logs: {run_url}"]
    return title, "\n".join(lines)


def _evidence(outcome: Outcome) -> str:
    """The drill's own Markdown report (written by pcizone, trusted), masked and capped."""
    texts = []
    for path in sorted(outcome.folder.glob("*.md")):
        texts.append(path.read_text(encoding="utf-8", errors="replace"))
    if not texts:
        log = outcome.folder / "drill.log"
        tail = log.read_text(encoding="utf-8", errors="replace")[-4000:] if log.is_file() else ""
        return f"No evidence report was written. End of the drill log:\n\n```text\n{tail}\n```"
    text = redact("\n\n".join(texts))
    if len(text) > EVIDENCE_LIMIT:
        text = text[:EVIDENCE_LIMIT] + "\n\n[... cut; the full report is in the run's artifacts]"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pcizone.gitops.drill")
    sub = parser.add_subparsers(dest="what", required=True)
    go = sub.add_parser("run", help="run pcizone drill and record its outcome")
    go.add_argument("--stack", required=True, choices=STACKS)
    go.add_argument("--scenario", required=True)
    go.add_argument("--report-dir", type=Path, required=True)
    go.add_argument("--i-understand-prod", action="store_true", dest="prod_ok")
    go.add_argument("--pcizone", help="the pcizone command (default: next to this Python)")
    args = parser.parse_args(argv)
    pcizone = args.pcizone or _default_pcizone()
    outcome = run(
        stack=args.stack,
        scenario=args.scenario,
        report_dir=args.report_dir,
        prod_ok=args.prod_ok,
        pcizone=pcizone,
    )
    print(f"drill {outcome.stack}/{outcome.scenario}: {outcome.status}")
    return outcome.exit_code


def _default_pcizone() -> str:
    beside = Path(sys.executable).parent / "pcizone"
    found = str(beside) if beside.is_file() else shutil.which("pcizone")
    if not found:
        raise GitOpsError("the pcizone command is not installed: run `make setup`", EXIT_TOOL)
    return found


if __name__ == "__main__":
    sys.exit(run_main(main))
