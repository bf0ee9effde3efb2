"""The payments worker, wrapped to crash after it charged and before SQS is told, and to lose
the processor's answers for a few payments, while the incident lasts: as long as the file
`CHAOS_INCIDENT_FLAG` names exists (the harness removes it when the incident ends), or always
when no such file is configured.

Crashes: the real handler runs to completion (charges made, ledger committed), then, for a
seeded share of batches, the environment dies (`os._exit`, as a killed process) or raises (an
unhandled error). Either way the batch is not acknowledged and SQS delivers it again: the
worker must then settle nothing twice. The fate depends on the batch's message ids and receive
counts, so a redelivered batch draws again instead of crashing forever.

Lost answers: for a seeded share of payments, every charge goes through at the processor and
then times out. Their messages run out of receives and dead-letter with the money taken and
nothing posted: the case the operator's redrive must settle after the incident.

Rates come from the function's environment: `CHAOS_CRASH_EXIT_RATE`, `CHAOS_CRASH_RAISE_RATE`
(0-1 each, per batch), `CHAOS_LOST_ANSWER_RATE` (0-1, per payment) and `CHAOS_SEED`.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from payments.processor.base import ChargeRequest, ChargeResult, Processor, ProcessorTimeout


class InjectedCrash(RuntimeError):
    """Raised on purpose after the charge, before the acknowledgement."""


def _rate(name: str) -> float:
    return float(os.environ.get(name, "0") or 0)


def _unit(*parts: object) -> float:
    """A reproducible draw in [0, 1) from the seed and `parts`."""
    text = "|".join([os.environ.get("CHAOS_SEED", "0"), *map(str, parts)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2**64


def _incident() -> bool:
    flag = os.environ.get("CHAOS_INCIDENT_FLAG", "")
    return not flag or os.path.exists(flag)


def _draw(event: Any) -> float:
    records = event.get("Records", []) if isinstance(event, dict) else []
    parts = []
    for record in records:
        attributes = record.get("attributes") or {}
        parts.append(f"{record.get('messageId')}:{attributes.get('ApproximateReceiveCount')}")
    return _unit(*parts)


class LosesAnswers:
    """A processor whose answers for the chosen payments are lost after it charged."""

    def __init__(self, inner: Processor, rate: float) -> None:
        self.inner = inner
        self.name = inner.name
        self._rate = rate

    def charge(self, request: ChargeRequest) -> ChargeResult:
        result = self.inner.charge(request)
        if _unit("lost", request.payment_id) < self._rate and _incident():
            raise ProcessorTimeout("processor timed out (injected: answer lost after charging)")
        return result

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()


def _install_app() -> None:
    """The container's worker App, with the processor wrapped when answers are to be lost."""
    from payments.app import App, install
    from payments.config import load_settings
    from payments.logging import configure_logging

    rate = _rate("CHAOS_LOST_ANSWER_RATE")
    if rate <= 0:
        return  # payments.app.current builds the plain one
    configure_logging()
    settings = load_settings()
    plain = App(settings, "worker")  # only its processor is used: the journal's connection
    install(App(settings, "worker", processor=LosesAnswers(plain.processor, rate)))


_installed = False


def handler(event: Any, context: Any) -> dict[str, list[dict[str, str]]]:
    global _installed  # noqa: PLW0603 - once per container, as the real App is
    from payments.handlers.worker import handler as worker_handler

    if not _installed:
        _install_app()
        _installed = True
    answer = worker_handler(event, context)
    if not _incident():
        return answer
    draw = _draw(event)
    exit_rate = _rate("CHAOS_CRASH_EXIT_RATE")
    if draw < exit_rate:
        os._exit(137)  # as SIGKILL would: no cleanup, no answer
    if draw < exit_rate + _rate("CHAOS_CRASH_RAISE_RATE"):
        raise InjectedCrash("injected crash after the charge, before the acknowledgement")
    return answer
