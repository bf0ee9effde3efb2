"""Write compliance reports to a folder: `<stack>.json` and `<stack>.md`, plus an index."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pcizone.errors import EXIT_ENVIRONMENT, UserError
from pcizone.policy.report import build_index
from pcizone.policy.report_markdown import render_index_markdown, render_markdown

INDEX = "index"


def write_reports(reports: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """Write every report (and, for several stacks, the index); return the paths written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"cannot create report folder {out_dir}: {exc.strerror}", EXIT_ENVIRONMENT
        ) from None
    written: list[Path] = []
    for report in reports:
        written.append(_write(out_dir / f"{report['stack']}.json", _json(report)))
        written.append(_write(out_dir / f"{report['stack']}.md", render_markdown(report)))
    if len(reports) > 1:
        index = build_index(reports)
        written.append(_write(out_dir / f"{INDEX}.json", _json(index)))
        written.append(_write(out_dir / f"{INDEX}.md", render_index_markdown(index)))
    return written


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def _write(path: Path, text: str) -> Path:
    """Write through a temporary file and rename, so a reader never sees half a report."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise UserError(f"cannot write report {path}: {exc.strerror}", EXIT_ENVIRONMENT) from None
    return path
