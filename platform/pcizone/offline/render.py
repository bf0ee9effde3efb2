"""Terminal rendering of a recorded run: resource tree by component, counts, outputs, diff."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from pcizone.offline.diff import Change, summarize
from pcizone.offline.model import RecordedResource, RecordedRun, redact
from pcizone.offline.urns import STACK_TYPE


def print_run(run: RecordedRun, out: Console) -> None:
    out.print(f"[bold]Stack[/] {run.stack}  kind={run.kind}  stage={run.stage}")
    out.print(resource_tree(run))
    out.print(type_counts(run))
    out.print(outputs_table(run))


def resource_tree(run: RecordedRun) -> Tree:
    children: dict[str | None, list[RecordedResource]] = defaultdict(list)
    stack_urn = next((r.urn for r in run.resources if r.type == STACK_TYPE), None)
    for r in run.resources:
        if r.type == STACK_TYPE:
            continue
        parent = r.parent if r.parent != stack_urn else None
        children[parent].append(r)
    tree = Tree(
        f"[bold]{run.stack}[/] ({run.cloud_resource_count} cloud resources,"
        f" {len(run.resources)} registrations)"
    )

    def add(node: Tree, parent: str | None) -> None:
        for r in sorted(children.get(parent, []), key=lambda x: (x.custom, x.type, x.name)):
            style = "cyan" if not r.custom else "default"
            branch = node.add(f"[{style}]{r.type}[/] [bold]{r.name}[/]")
            add(branch, r.urn)

    add(tree, None)
    return tree


def type_counts(run: RecordedRun) -> Table:
    counts = Counter(r.type for r in run.resources if r.type != STACK_TYPE)
    table = Table(title="Resources by type")
    table.add_column("type")
    table.add_column("count", justify="right")
    for type_, n in sorted(counts.items()):
        table.add_row(type_, str(n))
    table.add_row("[bold]total[/]", f"[bold]{sum(counts.values())}[/]")
    return table


def outputs_table(run: RecordedRun) -> Table:
    table = Table(title="Stack outputs")
    table.add_column("output")
    table.add_column("value", overflow="fold")
    for key, value in redact(run.outputs).items():
        table.add_row(key, _short(value))
    return table


def diff_table(changes: list[Change]) -> Table:
    counts = summarize(changes)
    title = "Diff against saved plan: " + ", ".join(f"{n} to {op}" for op, n in counts.items())
    table = Table(title=title)
    table.add_column("op")
    table.add_column("resource", overflow="fold")
    table.add_column("changed properties", overflow="fold")
    colours = {"create": "green", "update": "yellow", "replace": "magenta", "delete": "red"}
    for change in changes:
        table.add_row(
            f"[{colours[change.op]}]{change.op}[/]",
            change.urn.split("::", 2)[-1],
            ", ".join(change.paths),
        )
    return table


def _short(value: Any) -> str:
    import json

    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= 160 else text[:157] + "..."
