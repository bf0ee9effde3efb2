"""The payments worker, wrapped to crash after it charged and before SQS is told.

The real handler runs to completion (charges made, ledger committed), then, for a seeded share
of batches, the environment dies (`os._exit`, as a killed process) or raises (an unhandled
error). Either way the batch is not acknowledged and SQS delivers it again: the worker must
then settle nothing twice. The fate depends on the batch's message ids and receive counts, so
a redelivered batch draws again instead of crashing forever.

Rates come from the function's environment: `CHAOS_CRASH_EXIT_RATE`, `CHAOS_CRASH_RAISE_RATE`
(0-1 each) and `CHAOS_SEED`.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any


class InjectedCrash(RuntimeError):
    """Raised on purpose after the charge, before the acknowledgement."""


def _rate(name: str) -> float:
    return float(os.environ.get(name, "0") or 0)


def _draw(event: Any) -> float:
    records = event.get("Records", []) if isinstance(event, dict) else []
    parts = [os.environ.get("CHAOS_SEED", "0")]
    for record in records:
        attributes = record.get("attributes") or {}
        parts.append(f"{record.get('messageId')}:{attributes.get('ApproximateReceiveCount')}")
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def handler(event: Any, context: Any) -> dict[str, list[dict[str, str]]]:
    from payments.handlers.worker import handler as worker_handler

    answer = worker_handler(event, context)
    draw = _draw(event)
    exit_rate = _rate("CHAOS_CRASH_EXIT_RATE")
    if draw < exit_rate:
        os._exit(137)  # as SIGKILL would: no cleanup, no answer
    if draw < exit_rate + _rate("CHAOS_CRASH_RAISE_RATE"):
        raise InjectedCrash("injected crash after the charge, before the acknowledgement")
    return answer
