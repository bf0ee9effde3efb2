"""Reading wire-shaped property values the way the engine hands them to a policy.

The analyzer gives rules read-only proxies: nested objects are `Mapping`s and arrays are
`Sequence`s (not dict/list), and touching a value that is unknown during preview raises
pulumi-policy's `UnknownValueError`. These helpers accept exactly that shape, never unwrap an
unknown, and return None for anything missing or of the wrong type, so a rule can treat
"missing" as non-compliant in one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


class DocumentError(ValueError):
    """A JSON-typed property (a policy document, a redrive policy) that does not parse."""


def get(container: Any, path: str) -> Any:
    """The value at a dotted path of nested objects, or None where any step is missing."""
    value: Any = container
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def as_bool(value: Any) -> bool | None:
    """A boolean; provider inputs arrive as "true"/"false" strings, so accept those too."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def as_number(value: Any) -> float | None:
    """A number (the wire carries every number as a float); never a boolean."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def as_str(value: Any) -> str | None:
    """A non-empty string, else None (an empty string configures nothing)."""
    return value if isinstance(value, str) and value != "" else None


def as_list(value: Any) -> list[Any]:
    """The items of an array, or [] when the value is missing or not an array."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    return []


def as_mapping(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def as_str_list(value: Any) -> list[str]:
    """A string or an array of strings (IAM's Action/Resource shape) as a list of strings."""
    if isinstance(value, str):
        return [value]
    return [v for v in as_list(value) if isinstance(v, str)]


def parse_json(value: Any, what: str) -> Any:
    """A JSON-typed input: the wire carries it as a string; a structured value passes through."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise DocumentError(f"{what} is not valid JSON (line {exc.lineno})") from None
    return value


def fmt_number(value: float) -> str:
    """A number for a message: 30.0 prints as 30."""
    return str(int(value)) if value.is_integer() else str(value)
