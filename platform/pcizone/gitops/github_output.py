"""Writes step outputs to the file GitHub Actions names in $GITHUB_OUTPUT."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pcizone.gitops.errors import GitOpsError


def write_outputs(path: Path, values: Mapping[str, str]) -> None:
    """Appends `name=value` lines; values must be single-line (compact JSON is)."""
    lines = []
    for name, value in values.items():
        if "\n" in value or "\r" in value or "=" in name or "\n" in name:
            raise GitOpsError(f"step output {name!r} must be a single line without '=' in its name")
        lines.append(f"{name}={value}\n")
    with path.open("a", encoding="utf-8") as handle:
        handle.writelines(lines)
