"""Lambda entry point of the DLQ auditor (SQS event source on the dead-letter queue)."""

from __future__ import annotations

from typing import Any


def handler(event: Any, context: Any) -> dict[str, list[dict[str, str]]]:
    from payments import auditor
    from payments.app import current

    return auditor.handle(current("dlq_auditor"), event, context)
