"""One time base for a drill: monotonic seconds for measuring, UTC wall time for reports."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class Clock:
    """Measures on the monotonic clock and shows those readings as UTC timestamps.

    Wall time can step (NTP) in the middle of a drill; a measured RTO must not. Each reading is
    taken on the monotonic clock and converted to wall time with the offset seen at the start.
    """

    def __init__(self) -> None:
        self._mono0 = time.monotonic()
        self._wall0 = datetime.now(UTC)

    def now(self) -> float:
        return time.monotonic()

    def wall(self, mono: float) -> datetime:
        return self._wall0 + timedelta(seconds=mono - self._mono0)

    def iso(self, mono: float) -> str:
        return self.wall(mono).isoformat(timespec="milliseconds").replace("+00:00", "Z")
