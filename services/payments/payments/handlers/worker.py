"""Lambda entry point of the worker (SQS event source with ReportBatchItemFailures)."""

from __future__ import annotations

from typing import Any


def handler(event: Any, context: Any) -> dict[str, list[dict[str, str]]]:
    from payments import worker
    from payments.app import current

    return worker.handle(current("worker"), event, context)
