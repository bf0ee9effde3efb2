"""Log files of the local runtime: one per function (its log group) and one for the runtime.

A function's file holds every line its environments print, verbatim, plus Lambda's own lines
(START / END / REPORT, timeouts, crashes). Nothing is masked here: masking is the function's
job, and the reliability suite scans these files to prove it does it.

The runtime's file holds its own events as JSON lines: mapping and environment lifecycle,
batches (message ids, sizes, outcomes) and HTTP requests (route key, status, timing). It never
holds a message body, a request body, a raw path or an error message: only values the runtime
itself made or AWS identifiers, so it cannot leak what a client or a function sent.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TextIO

_MAX_LINE_CHARS = 256 * 1024  # Lambda splits longer log events; here they are cut


class LineLog:
    """An append-only text file written one whole line at a time from many threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._file: TextIO | None = path.open("a", encoding="utf-8", errors="replace")

    def write_line(self, line: str) -> None:
        text = line.rstrip("\r\n")
        if len(text) > _MAX_LINE_CHARS:
            text = text[:_MAX_LINE_CHARS] + " [line cut by the local runtime]"
        with self._lock:
            if self._file is not None:
                self._file.write(text + "\n")
                self._file.flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def __enter__(self) -> LineLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class EventLog(LineLog):
    """The runtime's own structured events; `recent()` serves tests and the scenario."""

    def __init__(self, path: Path, keep: int = 10_000) -> None:
        super().__init__(path)
        self._keep = keep
        self._recent: list[dict[str, object]] = []
        self._recent_lock = threading.Lock()

    def event(self, name: str, **fields: object) -> None:
        # ISO text, not epoch seconds: "1796321482.158439" reads as 16 digits to a card scanner.
        now = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        record: dict[str, object] = {"ts": now, "event": name, **fields}
        with self._recent_lock:
            self._recent.append(record)
            if len(self._recent) > self._keep:
                del self._recent[: len(self._recent) - self._keep]
        self.write_line(json.dumps(record, separators=(",", ":"), default=str))

    def recent(self, name: str | None = None) -> list[dict[str, object]]:
        with self._recent_lock:
            return [r for r in self._recent if name is None or r["event"] == name]
