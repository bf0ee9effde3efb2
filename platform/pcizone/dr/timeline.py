"""The drill's step log: what was done, when, for how long, and how it ended (PCI DSS 10.2.2)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pcizone.dr.clock import Clock
from pcizone.dr.redact import redact

JsonScalar = str | int | float | bool | None


@dataclass
class Step:
    name: str
    started: float
    ended: float | None = None
    outcome: str = "running"  # ok | failed | interrupted
    detail: dict[str, JsonScalar] = field(default_factory=dict)

    def note(self, **detail: JsonScalar) -> None:
        self.detail.update(detail)


class Timeline:
    """Ordered steps and anomalies; `echo` shows progress to the operator as it happens."""

    def __init__(self, clock: Clock, echo: Callable[[str], None] | None = None) -> None:
        self.clock = clock
        self.steps: list[Step] = []
        self.anomalies: list[str] = []
        self._echo = echo or (lambda _line: None)

    @contextmanager
    def step(self, name: str) -> Iterator[Step]:
        step = Step(name, self.clock.now())
        self.steps.append(step)
        self._echo(f"{name} ...")
        try:
            yield step
        except KeyboardInterrupt:
            step.outcome = "interrupted"
            raise
        except BaseException as exc:
            step.outcome = "failed"
            step.note(error=redact(f"{type(exc).__name__}: {exc}"))
            raise
        else:
            step.outcome = "ok"
        finally:
            step.ended = self.clock.now()
            self._echo(f"{name}: {step.outcome} ({step.ended - step.started:.3f} s)")

    def event(self, name: str, at: float | None = None, **detail: JsonScalar) -> Step:
        """A point in time that matters for a measurement (the fault, the first new commit)."""
        moment = self.clock.now() if at is None else at
        step = Step(name, moment, moment, "ok", dict(detail))
        self.steps.append(step)
        self._echo(name)
        return step

    def anomaly(self, message: str) -> None:
        line = redact(message)
        self.anomalies.append(line)
        self._echo(f"ANOMALY: {line}")
