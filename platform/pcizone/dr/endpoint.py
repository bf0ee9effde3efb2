"""The application's writer endpoint: what a drill re-points after a promotion."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    generation: int
    label: str  # a name for reports ("node-a"); never the connection string
    conninfo: str


class WriterEndpoint:
    """Thread-safe holder of where writes go; stands in for the app's DSN or a DNS record."""

    def __init__(self, label: str, conninfo: str) -> None:
        self._lock = threading.Lock()
        self._target = Target(0, label, conninfo)

    def current(self) -> Target:
        with self._lock:
            return self._target

    def repoint(self, label: str, conninfo: str) -> Target:
        with self._lock:
            self._target = Target(self._target.generation + 1, label, conninfo)
            return self._target
