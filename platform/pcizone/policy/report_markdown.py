"""The compliance report as Markdown, rendered from the JSON report data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

STATUS_MARK = {"pass": "pass", "fail": "**FAIL**", "unknown": "unknown", "not-applicable": "n/a"}


def _cell(value: object) -> str:
    """A table cell: pipes and newlines would break the row."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _row(cells: Iterable[object]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _totals_line(totals: dict[str, int]) -> str:
    return (
        f"{totals['pass']} pass, {totals['fail']} fail "
        f"({totals['mandatoryFailures']} mandatory), {totals['unknown']} unknown, "
        f"{totals['not-applicable']} not applicable"
    )


def render_markdown(report: dict[str, Any]) -> str:
    framework = f"{report['framework']['name']} v{report['framework']['version']}"
    verdict = "PASSED" if report["passed"] else "FAILED"
    lines = [
        f"# {framework} compliance report: stack `{report['stack']}`",
        "",
        f"- Verdict: **{verdict}** (fails on any mandatory violation)",
        f"- Stack kind: {report['kind'] or 'unstated'}, stage: {report['stage'] or 'unstated'}",
        f"- Policy pack: {report['pack']['name']} {report['pack']['version']}, "
        f"{len(report['policies'])} policies",
        f"- Checks: {_totals_line(report['totals'])}",
        "",
    ]
    failures = [r for r in report["results"] if r["status"] == "fail"]
    if failures:
        lines += [
            "## Violations",
            "",
            _row(("enforcement", "severity", "policy", "resource", "finding")),
        ]
        lines.append(_row(("---",) * 5))
        failures.sort(key=lambda r: (r["enforcement"] != "mandatory", r["policy"], r["urn"]))
        for r in failures:
            resource = f"{r['resourceName']} ({r['resourceType']})"
            lines.append(
                _row((r["enforcement"], r["severity"], r["policy"], resource, r["message"]))
            )
        lines.append("")

    results_by_policy: dict[str, list[dict[str, Any]]] = {}
    for r in report["results"]:
        results_by_policy.setdefault(r["policy"], []).append(r)
    policies = {p["id"]: p for p in report["policies"]}

    lines += ["## Requirements", ""]
    for req in report["requirements"]:
        lines += [
            f"### {req['section']}: {req['title']}",
            "",
            f"{len(req['policies'])} policies, {req['resources']} resources: "
            f"{_totals_line(req['totals'])}",
            "",
            _row(("policy", "enforcement", "resource", "status", "finding")),
            _row(("---",) * 5),
        ]
        for pid in req["policies"]:
            rows = results_by_policy.get(pid, [])
            if not rows:
                lines.append(
                    _row((pid, policies[pid]["enforcement"], "(none in this stack)", "", ""))
                )
            for r in rows:
                resource = f"{r['resourceName']} ({r['resourceType']})"
                lines.append(
                    _row((pid, r["enforcement"], resource, STATUS_MARK[r["status"]], r["message"]))
                )
        lines.append("")

    lines += [
        "## Policies",
        "",
        _row(("policy", "severity", "enforcement", "requirements", "checks")),
    ]
    lines.append(_row(("---",) * 5))
    for p in report["policies"]:
        lines.append(
            _row(
                (
                    p["id"],
                    p["severity"],
                    p["enforcement"],
                    ", ".join(p["requirements"]),
                    p["description"],
                )
            )
        )
    return "\n".join(lines) + "\n"


def render_index_markdown(index: dict[str, Any]) -> str:
    framework = f"{index['framework']['name']} v{index['framework']['version']}"
    lines = [
        f"# {framework} compliance summary",
        "",
        f"Verdict: **{'PASSED' if index['passed'] else 'FAILED'}**",
        "",
        _row(("stack", "kind", "verdict", "checks", "report")),
        _row(("---",) * 5),
    ]
    for s in index["stacks"]:
        verdict = "passed" if s["passed"] else "**FAILED**"
        link = f"[{s['stack']}.md]({s['stack']}.md)"
        lines.append(_row((s["stack"], s["kind"], verdict, _totals_line(s["totals"]), link)))
    return "\n".join(lines) + "\n"
