"""A handler module whose init code fails, as a bad configuration would."""

from __future__ import annotations

from typing import Any

raise ValueError("configuration is missing")


def handler(event: Any, context: Any) -> None:  # pragma: no cover - never importable
    return None
