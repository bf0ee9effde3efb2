"""Ctrl-C handling: the first interrupt starts a restore, which then must not be cut short."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def sigint_deferred(notice: Callable[[str], None]) -> Iterator[list[int]]:
    """Within the block, Ctrl-C is noted (and counted in the yielded list), not raised.

    Used around restoring the topology and tearing down: stopping half-way through those would
    leave exactly the mess the restore exists to prevent. Only the main thread can own signal
    handlers; elsewhere this does nothing.
    """
    seen: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield seen
        return

    def note(_signum: int, _frame: FrameType | None) -> None:
        seen.append(1)
        notice("interrupt noted: restoring the topology first, then exiting")

    previous = signal.signal(signal.SIGINT, note)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)
