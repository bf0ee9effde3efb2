"""The evidence report of one drill, as JSON (for machines) and Markdown (for the auditor)."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from pcizone.dr.provenance import Provenance
from pcizone.dr.redact import redact
from pcizone.dr.results import ScenarioResult

SCHEMA = "pcizone.drill-report/1"

# What this report is evidence for, and how (PCI DSS v4.0.1 requirement numbers).
PCI_DSS = (
    (
        "12.10.2",
        "The incident response plan is reviewed and tested at least once every 12 months",
        "This drill tests the plan's recovery procedures end to end and records the result.",
    ),
    (
        "12.10.1",
        "The incident response plan covers business recovery, continuity and data backup",
        "Measured RTO and RPO against the stack's stated targets; restore drills prove backups.",
    ),
    (
        "10.2.1",
        "Audit logs are enabled and active for system components",
        "Every drill step, fault and recovery action is recorded with its outcome.",
    ),
    (
        "10.2.2",
        "Audit log records include user, event type, date and time, outcome, origin, resource",
        "Each step has UTC start/end, outcome and detail; operator, host, stack and code SHA"
        " identify who ran what against which resources.",
    ),
    (
        "10.5.1",
        "Audit log history is retained for at least 12 months",
        "Reports are written under the reports folder, which the DR workflow uploads.",
    ),
)


def build(result: ScenarioResult, provenance: Provenance) -> dict[str, Any]:
    timeline = result.timeline
    clock = timeline.clock
    starts = [s.started for s in timeline.steps]
    ends = [s.ended for s in timeline.steps if s.ended is not None]
    started = min(starts) if starts else clock.now()
    ended = max(ends) if ends else started
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "scenario": result.scenario,
        "passed": result.passed,
        "rto_seconds": _round(result.rto_seconds),
        "rpo_commits": result.rpo_commits,
        "rpo_seconds": _round(result.rpo_seconds),
        "targets": result.targets.as_dict(),
        "stack": provenance.stack,
        "mode": result.mode,
        "git_sha": provenance.git_sha,
        "tool_version": provenance.tool_version,
        "operator": provenance.operator,
        "host": provenance.host,
        "ci_run": provenance.ci_run,
        "started_at": clock.iso(started),
        "ended_at": clock.iso(ended),
        "duration_seconds": _round(ended - started),
        "interrupted": result.interrupted,
        "error": result.error,
        "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in result.checks],
        "measurements": result.measurements,
        "steps": [
            {
                "name": s.name,
                "started_at": clock.iso(s.started),
                "ended_at": clock.iso(s.ended) if s.ended is not None else None,
                "duration_seconds": _round(s.ended - s.started) if s.ended is not None else None,
                "outcome": s.outcome,
                "detail": s.detail,
            }
            for s in timeline.steps
        ],
        "anomalies": list(timeline.anomalies),
        "pci_dss": [
            {"requirement": number, "title": title, "evidence": how}
            for number, title, how in PCI_DSS
        ],
    }
    redacted: dict[str, Any] = _redact_tree(report)
    return redacted


def write(report: dict[str, Any], report_dir: Path) -> tuple[Path, Path]:
    """Writes `<dir>/<stack>/<start>-<scenario>.{json,md}` atomically; returns both paths."""
    folder = report_dir / report["stack"]
    folder.mkdir(parents=True, exist_ok=True)
    stamp = re.sub(r"[^0-9TZ]", "", report["started_at"].split(".")[0]) + "Z"
    base = f"{stamp}-{report['scenario']}"
    json_path = _unique(folder, base, ".json")
    md_path = json_path.with_suffix(".md")
    _atomic_write(json_path, json.dumps(report, indent=2, sort_keys=False) + "\n")
    _atomic_write(md_path, markdown(report))
    return json_path, md_path


def markdown(r: dict[str, Any]) -> str:
    verdict = "PASSED" if r["passed"] else "FAILED"
    t = r["targets"]
    lines = [
        f"# DR drill `{r['scenario']}` on `{r['stack']}`: {verdict}",
        "",
        "| | |",
        "|---|---|",
        f"| Stack | `{r['stack']}` ({r['mode']}) |",
        f"| Started / ended (UTC) | {r['started_at']} / {r['ended_at']} |",
        f"| Operator | {r['operator']} on {r['host']} |",
        f"| Code | pcizone {r['tool_version']}, git {r['git_sha']} |",
    ]
    if r["ci_run"]:
        lines.append(f"| CI run | {r['ci_run']} |")
    if r["interrupted"]:
        lines.append("| Interrupted | yes: the operator stopped the drill; topology restored |")
    if r["error"]:
        lines.append(f"| Error | {_cell(r['error'])} |")
    lines += [
        "",
        "## Objectives",
        "",
        "| measure | measured | target |",
        "|---|---|---|",
        f"| RTO (s) | {_show(r['rto_seconds'])} | {_show(t['rto_seconds'], 'not judged')} |",
        f"| RPO (commits) | {_show(r['rpo_commits'])} | {_show(t['rpo_commits'], 'not judged')} |",
        f"| RPO (s) | {_show(r['rpo_seconds'])} | {_show(t['rpo_seconds'], 'not judged')} |",
        "",
        "## Checks",
        "",
    ]
    lines += [
        f"- {'PASS' if c['passed'] else 'FAIL'} {c['name']}: {c['detail']}" for c in r["checks"]
    ] or ["- none ran"]
    lines += ["", "## Steps", "", "| started (UTC) | step | took (s) | outcome | detail |"]
    lines.append("|---|---|---|---|---|")
    for s in r["steps"]:
        detail = ", ".join(f"{k}={v}" for k, v in s["detail"].items())
        lines.append(
            f"| {s['started_at']} | {_cell(s['name'])} | {_show(s['duration_seconds'])}"
            f" | {s['outcome']} | {_cell(detail)} |"
        )
    lines += ["", "## Anomalies", ""]
    lines += [f"- {_cell(a)}" for a in r["anomalies"]] or ["- none"]
    lines += ["", "## Measurements", "", "```json", json.dumps(r["measurements"], indent=2)]
    lines += ["```", "", "## PCI DSS v4.0.1", ""]
    lines += [f"- **{p['requirement']}** {p['title']}: {p['evidence']}" for p in r["pci_dss"]]
    return "\n".join(lines) + "\n"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _show(value: object, missing: str = "n/a") -> str:
    return missing if value is None else str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _redact_tree(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_tree(v) for v in value]
    return value


def _unique(folder: Path, base: str, suffix: str) -> Path:
    candidate = folder / f"{base}{suffix}"
    n = 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{base}-{n}{suffix}"
    return candidate


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
