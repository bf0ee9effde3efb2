"""Rich consoles: results to stdout, errors and progress to stderr."""

from __future__ import annotations

from functools import cache

from rich.console import Console
from rich.markup import escape


@cache
def console() -> Console:
    return Console(highlight=False, soft_wrap=False, emoji=False)


@cache
def error_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def print_error(message: str) -> None:
    """`error: message` on stderr; the message is text, never markup (it quotes config values
    such as '[/]' that would otherwise be parsed, or raise)."""
    error_console().print(f"[bold red]error:[/] {escape(message)}", highlight=False)
