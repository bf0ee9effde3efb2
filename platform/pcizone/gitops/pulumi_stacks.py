"""Review stacks in the Pulumi backend: list them (`pulumi stack ls --json`) and remove them.

Only names of the form pr-<number> are ever destroyed by these helpers; the guard is here,
below every caller, so no flag or listing can point them at a stage or developer stack.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pcizone.gitops.errors import EXIT_TOOL, GitOpsError
from pcizone.gitops.recorded import Recorded, run_recorded, tool_env

PROJECT = "pcizone"
REVIEW_STACK = re.compile(r"^pr-[1-9][0-9]{0,6}$")


@dataclass(frozen=True)
class StackEntry:
    name: str  # the short name, e.g. pr-12
    last_update: datetime | None
    update_in_progress: bool
    resource_count: int | None


def short_name(listed: str) -> str | None:
    """pr-12 from 'pr-12' or 'organization/pcizone/pr-12'; None for another project's stack."""
    parts = listed.split("/")
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 3 and parts[1] == PROJECT:
        return parts[2]
    return None


def parse_listing(text: str, source: str = "pulumi stack ls --json") -> list[StackEntry]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise GitOpsError(f"{source}: not valid JSON ({err})") from None
    if not isinstance(data, list):
        raise GitOpsError(f"{source}: expected a JSON list of stacks")
    entries = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise GitOpsError(f"{source}: entry {index} has no stack name")
        name = short_name(item["name"])
        if name is None:
            continue
        count = item.get("resourceCount")
        entries.append(
            StackEntry(
                name=name,
                last_update=_timestamp(item.get("lastUpdate"), f"{source}: {name}"),
                update_in_progress=item.get("updateInProgress") is True,
                resource_count=count if isinstance(count, int) else None,
            )
        )
    return entries


def _timestamp(value: Any, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise GitOpsError(f"{where}: lastUpdate must be a timestamp, got {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise GitOpsError(f"{where}: lastUpdate {value!r} is not an ISO 8601 timestamp") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def list_stacks(pulumi: str, cwd: Path) -> list[StackEntry]:
    try:
        result = subprocess.run(
            [pulumi, "stack", "ls", "--json"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
            env=tool_env(),
        )
    except FileNotFoundError:
        raise GitOpsError(f"{pulumi}: not found; install the Pulumi CLI first", EXIT_TOOL) from None
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()
        raise GitOpsError(
            f"pulumi stack ls failed: {detail[-1] if detail else result.returncode}", EXIT_TOOL
        )
    return parse_listing(result.stdout)


def destroy_review_stack(stack: str, pulumi: str, cwd: Path) -> Recorded:
    """`pulumi destroy --remove` of one review stack; refuses any other name."""
    if not REVIEW_STACK.match(stack):
        raise GitOpsError(f"refusing to destroy {stack!r}: only review stacks (pr-<n>) qualify")
    argv = [pulumi, "destroy", "--stack", stack, "--yes", "--remove", "--non-interactive"]
    argv += ["--color", "never"]
    log = Path(tempfile.gettempdir()) / f"pcizone-destroy-{stack}.log"
    return run_recorded(argv, log, cwd=cwd, env=tool_env(), timeout=50 * 60)
