"""Test doubles for the DR drill tests: fake time for wait loops, a scripted probe."""

from __future__ import annotations

import itertools
from pathlib import Path

from pcizone.dr.clock import Clock
from pcizone.dr.endpoint import WriterEndpoint
from pcizone.dr.probe import Attempt


class FakeTime:
    """now()/sleep() for wait loops: sleeping advances time instantly and is recorded."""

    def __init__(self) -> None:
        self.t = 1_000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


class ScriptedProbe:
    """Stands in for the workload probe where no database exists (the AWS drills' tests).

    `wait_for_acks` makes the asked-for acknowledgements happen at once, on the endpoint's
    current writer; `error_rate` returns what the test set.
    """

    def __init__(self, clock: Clock, *, error_rate: float = 0.0) -> None:
        self.endpoint = WriterEndpoint("unset", "")
        self.clock = clock
        self.rate = error_rate
        self.started = False
        self.stopped = False
        self.fatal: str | None = None
        self.on_wait: list[object] = []  # exceptions to raise from the next waits, in order
        self._attempts: list[Attempt] = []
        self._seq = itertools.count(1)

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True

    def attempts(self) -> list[Attempt]:
        return list(self._attempts)

    def error_rate(self, since: float) -> float:
        return self.rate

    def write_rate(self) -> float:
        return 100.0

    def first_ack(self, *, after: float, writer: str) -> Attempt | None:
        return next((a for a in self._attempts if a.ok and a.writer == writer), None)

    def wait_for_acks(
        self, count: int, *, timeout: float, after: float = 0.0, writer: str | None = None
    ) -> bool:
        if self.on_wait:
            exc = self.on_wait.pop(0)
            if isinstance(exc, BaseException):
                raise exc
        label = writer or self.endpoint.current().label
        for _ in range(count):
            seq = next(self._seq)
            now = self.clock.now()
            self._attempts.append(Attempt(seq, f"drill-test-{seq:07d}", now, now, label, True))
        return True

    def raise_if_failed(self) -> None:
        if self.fatal:
            raise RuntimeError(self.fatal)

    def keys(self) -> dict[str, int]:
        return {a.key: 1 for a in self._attempts if a.ok}


def postmasters_under(prefix: str) -> list[int]:
    """Pids of live (not zombie) postgres servers whose data directory starts with `prefix`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state = stat[stat.rfind(")") + 2 :].split()[0]
        if state in {"Z", "X"} or not argv or not argv[0].endswith(b"postgres"):
            continue
        if any(arg.startswith(prefix.encode()) for arg in argv):
            found.append(int(entry.name))
    return found
