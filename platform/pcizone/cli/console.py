"""Rich consoles: results to stdout, errors and progress to stderr."""

from __future__ import annotations

from functools import cache

from rich.console import Console


@cache
def console() -> Console:
    return Console(highlight=False, soft_wrap=False)


@cache
def error_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)
