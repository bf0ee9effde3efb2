"""Lambda entry point of the payments API (API Gateway HTTP API, payload format 2.0)."""

from __future__ import annotations

from typing import Any


def handler(event: Any, context: Any) -> dict[str, object]:
    from payments import api
    from payments.app import current

    return api.handle(current("api"), event, context)
