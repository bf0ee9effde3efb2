"""Progress of a long command on stderr: a spinner for the current step, a line per result."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.status import Status


class ConsoleProgress:
    def __init__(self, console: Console) -> None:
        self.console = console
        self._status: Status | None = None
        self._started = time.perf_counter()

    def __enter__(self) -> ConsoleProgress:
        self._status = self.console.status("starting", spinner="dots")
        self._status.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def step(self, message: str) -> None:
        if self._status is not None:
            self._status.update(escape(message))
        else:
            self.done(message)

    def done(self, message: str) -> None:
        elapsed = time.perf_counter() - self._started
        line = f"[green]✓[/] {escape(message)} [dim]({elapsed:.1f} s)[/]"
        self.console.print(line, highlight=False)
