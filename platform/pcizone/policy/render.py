"""The verdict on a terminal: violations grouped by severity, then the totals."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pcizone.policy.registry import FRAMEWORK, FRAMEWORK_VERSION
from pcizone.policy.spec import Level, Severity
from pcizone.policy.verdict import PolicyResult, PolicyVerdict, Status

_SEVERITY_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}


def _level_text(result: PolicyResult) -> Text:
    if result.status is Status.UNKNOWN:
        return Text("unknown", style="magenta")
    if result.enforcement is Level.MANDATORY:
        return Text("MANDATORY", style="bold red")
    return Text("advisory", style="yellow")


def _table(results: list[PolicyResult]) -> Table:
    table = Table(show_header=True, header_style="bold", expand=False, pad_edge=False)
    table.add_column("level", no_wrap=True)
    table.add_column("policy", no_wrap=True)
    # Fold long names rather than cut them: the reader needs the whole resource name.
    table.add_column("resource", overflow="fold")
    table.add_column("finding", overflow="fold")
    for r in results:
        resource = Text(r.resource_name, style="bold")
        resource.append(f"\n{r.resource_type}", style="dim")
        # Text, never markup: messages may contain brackets ("Action '*'", ARNs).
        table.add_row(_level_text(r), Text(r.policy), resource, Text(r.message))
    return table


def print_verdict(verdict: PolicyVerdict, console: Console) -> None:
    heading = Text(f"{FRAMEWORK} v{FRAMEWORK_VERSION} policy verdict: ", style="bold")
    heading.append(f"stack {verdict.stack}")
    if verdict.kind:
        heading.append(f" ({verdict.kind}, {verdict.stage})", style="dim")
    console.print(heading)

    shown = [r for r in verdict.results if r.status in (Status.FAIL, Status.UNKNOWN)]
    for severity in Severity:
        group = [r for r in shown if r.severity is severity]
        if not group:
            continue
        # Mandatory first, then advisory, then unknown; stable within each.
        group.sort(key=lambda r: (r.status is Status.UNKNOWN, r.enforcement is not Level.MANDATORY))
        console.print(
            Text(f"\n{severity.value.upper()} ({len(group)})", style=_SEVERITY_STYLE[severity])
        )
        console.print(_table(group))

    totals = verdict.totals()
    summary = Text("\n")
    summary.append(f"{len(verdict.policies)} policies, {len(verdict.results)} checks: ")
    summary.append(f"{totals['pass']} passed, ", style="green")
    summary.append(f"{totals['fail']} failed, ", style="red" if totals["fail"] else "")
    summary.append(f"{totals['unknown']} unknown until deploy, ")
    summary.append(f"{totals['not-applicable']} not applicable")
    console.print(summary)
    mandatory = len(verdict.mandatory_failures)
    if mandatory:
        console.print(
            Text(
                f"{mandatory} mandatory violation(s): the stack must not be deployed",
                style="bold red",
            )
        )
    else:
        advisory = len(verdict.advisory_failures)
        console.print(Text(f"no mandatory violations ({advisory} advisory)", style="bold green"))
