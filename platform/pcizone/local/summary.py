"""The summary `pcizone up --local` prints: stacks, outputs, what is not emulated, what was
substituted, each payment's journey, the DLQ, the policy verdict and the final word.

Printed once, at the end, to stdout (progress went to stderr): a run that failed prints its
error instead, never a partial success. Secret outputs show as "[secret]"; nothing here can
hold a card number (payments are identified by id and processor token only).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from pcizone.local.deploy.not_emulated import NOT_EMULATED
from pcizone.local.orchestrator import UpReport
from pcizone.local.scenario import ScenarioResult
from pcizone.offline.model import redact

_MAX_OUTPUT_WIDTH = 90
_VERBS = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "delete": "deleted",
    "same": "unchanged",
}


def print_summary(report: UpReport, out: Console) -> None:
    out.print(_stacks_table(report))
    last = report.stacks[-1] if report.stacks else None
    if last is not None and last.outputs:
        out.print(_outputs_table(last.stack, last.outputs))
    missing = _not_emulated_table(report)
    if missing is not None:
        out.print(missing)
    if report.notes or report.runtime:
        out.print(_notes_table(report))
    if report.scenario is not None:
        _print_scenario(report.scenario, out)
    _print_verdict(report, out)
    _print_outcome(report, out)


def _stacks_table(report: UpReport) -> Table:
    table = Table(title="Local cloud: stacks deployed into the emulator")
    table.add_column("stack")
    table.add_column("resources", justify="right")
    table.add_column("this run", overflow="fold")
    table.add_column("stand-ins", justify="right")
    table.add_column("seconds", justify="right")
    for result in report.stacks:
        counts = result.counts()
        changes = [f"{counts[a]} {_VERBS[a]}" for a in _VERBS if counts[a]]
        table.add_row(
            result.stack,
            str(len(result.resources)),
            ", ".join(changes) if changes else "no changes",
            str(len(result.not_emulated())),
            f"{result.seconds:.1f}",
        )
    return table


def _outputs_table(stack: str, outputs: dict[str, Any]) -> Table:
    table = Table(title=f"Outputs of {stack}")
    table.add_column("output")
    table.add_column("value", overflow="fold")
    for key, value in redact(outputs).items():
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        table.add_row(
            key, text if len(text) <= _MAX_OUTPUT_WIDTH else text[:_MAX_OUTPUT_WIDTH] + "..."
        )
    return table


def _not_emulated_table(report: UpReport) -> Table | None:
    counts: Counter[str] = Counter()
    for result in report.stacks:
        counts.update(r.type for r in result.not_emulated())
    if not counts:
        return None
    table = Table(title="Not emulated (declared and recorded, but nothing exists in the emulator)")
    table.add_column("type")
    table.add_column("count", justify="right")
    table.add_column("why")
    for type_, count in sorted(counts.items()):
        table.add_row(type_, str(count), NOT_EMULATED.get(type_, ""))
    return table


def _notes_table(report: UpReport) -> Table:
    table = Table(title="How the local cloud differs from AWS here", show_header=False)
    table.add_column("note", overflow="fold")
    for note in report.notes:
        table.add_row(note)
    for note in (report.runtime or {}).get("notes", []):
        table.add_row(str(note))
    return table


def _print_scenario(scenario: ScenarioResult, out: Console) -> None:
    journeys = Table(title=f"Payments (scenario {scenario.run_id}, API {scenario.api_url})")
    journeys.add_column("payment")
    journeys.add_column("id")
    journeys.add_column("HTTP", justify="right")
    journeys.add_column("status")
    journeys.add_column("journey", overflow="fold")
    journeys.add_column("ms", justify="right")
    for journey in scenario.journeys:
        path = " -> ".join(f"{step.stage}: {step.detail}" for step in journey.steps)
        journeys.add_row(
            journey.label,
            journey.payment_id or "-",
            str(journey.http_status),
            journey.status or "-",
            path or "-",
            f"{journey.latency_ms:.0f}" if journey.latency_ms is not None else "-",
        )
    out.print(journeys)
    letters = Table(title="Dead-letter queue (audited, never redriven blindly)")
    for column in ("message", "payment", "reason", "receives", "audited at"):
        letters.add_column(column, overflow="fold")
    for letter in scenario.dead_letters:
        letters.add_row(
            letter.message_id,
            letter.payment_id or "-",
            letter.reason,
            str(letter.receive_count),
            letter.audited_at.isoformat(timespec="seconds"),
        )
    if not scenario.dead_letters:
        letters.add_row("-", "-", "nothing reached the dead-letter queue", "-", "-")
    out.print(letters)
    checks = Table(title=f"Expectations ({scenario.duration_seconds:.1f} s)")
    checks.add_column("")
    checks.add_column("expectation")
    checks.add_column("detail", overflow="fold")
    for expectation in scenario.expectations:
        mark = "[green]held[/]" if expectation.passed else "[bold red]FAILED[/]"
        checks.add_row(mark, expectation.name, expectation.detail)
    out.print(checks)


def _print_verdict(report: UpReport, out: Console) -> None:
    verdict = report.verdict
    if verdict is None:
        out.print("PCI policy pack: not available in this checkout")
        return
    from pcizone.policy.render import print_verdict

    print_verdict(verdict, out)


def _print_outcome(report: UpReport, out: Console) -> None:
    stacks = ", ".join(r.stack for r in report.stacks)
    took = " ".join(
        f"{name} {report.timings[name]:.1f} s"
        for name in ("deploy", "scenario")
        if name in report.timings
    )
    if report.expectations_held:
        out.print(
            f"[bold green]local cloud up:[/] {report.resource_count} resources in {stacks}"
            f" ({took}); "
            + ("every expectation held" if report.scenario is not None else "no scenario to run")
        )
        return
    reasons = []
    if report.scenario is not None and not report.scenario.ok:
        reasons.append("the payment scenario failed its expectations")
    if report.verdict is not None and not report.verdict.passed:
        reasons.append(f"{len(report.verdict.mandatory_failures)} mandatory policy violations")
    out.print(f"[bold red]local cloud up, but:[/] {'; '.join(reasons)}")
