"""Turns validation failures into one line per problem: file, key path, what was expected."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from pcizone.errors import EXIT_USAGE, UserError


class ConfigError(UserError):
    """One or more problems in a stack config file; each is one line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems), EXIT_USAGE)


def format_validation_error(
    source: str, model: type[BaseModel], error: ValidationError
) -> list[str]:
    lines = []
    for detail in error.errors(include_url=False):
        path, message = _describe(model, detail)
        lines.append(f"{source}: {path}: {message}")
    return sorted(set(lines), key=lines.index)


def _describe(model: type[BaseModel], detail: ErrorDetails) -> tuple[str, str]:
    loc = [part for part in detail["loc"] if not _is_schema_tag(part)]
    kind = detail["type"]
    value = detail.get("input")
    ctx = detail.get("ctx") or {}
    if kind == "value_error":
        message = str(ctx.get("error", detail["msg"]))
        if message.startswith("@"):
            sub, _, message = message[1:].partition(": ")
            extra: list[int | str] = list(sub.split("."))
            loc = extra if sub.startswith("pcizone:") else [*loc, *extra]
        elif "email" in message.lower():
            message = f"must be an email address, got {_show(value)}"
    elif kind == "extra_forbidden":
        message = _unknown_key(model, loc)
    elif kind in _SIMPLE:
        message = _SIMPLE[kind].format(value=_show(value), **ctx)
    else:
        message = str(detail["msg"])[:1].lower() + str(detail["msg"])[1:]
    return _path(loc), message


_EXPECTED = {
    "int": "must be a whole number, got {value}",
    "float": "must be a number, got {value}",
    "bool": "must be true or false, got {value}",
    "str": "must be a string, got {value}",
    "map": "must be a mapping of keys, got {value}",
}
_SIMPLE: dict[str, str] = {
    "missing": "is required but missing",
    "int_parsing": _EXPECTED["int"],
    "int_type": _EXPECTED["int"],
    "int_from_float": _EXPECTED["int"],
    "float_parsing": _EXPECTED["float"],
    "float_type": _EXPECTED["float"],
    "bool_parsing": _EXPECTED["bool"],
    "bool_type": _EXPECTED["bool"],
    "string_type": _EXPECTED["str"],
    "model_type": _EXPECTED["map"],
    "dict_type": _EXPECTED["map"],
    "model_attributes_type": _EXPECTED["map"],
    "list_type": "must be a list, got {value}",
    "literal_error": "must be one of {expected}, got {value}",
    "too_short": "must have at least {min_length} item(s)",
}


def _unknown_key(model: type[BaseModel], loc: Sequence[int | str]) -> str:
    allowed = _allowed_keys(model, loc[:-1])
    hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    if hint:
        return f"unknown key (did you mean {hint[0]}?)"
    if allowed:
        return f"unknown key (allowed: {', '.join(sorted(allowed))})"
    return "unknown key"


def _is_schema_tag(part: int | str) -> bool:
    # pydantic inserts validator names into locations of union and after-validated fields.
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "bool"})


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "(top level)"


def _show(value: Any) -> str:
    if isinstance(value, dict | list):
        return type(value).__name__
    return repr(value)


def _allowed_keys(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        sub = _model_in(current)
        if sub is None:
            return []
        field = next((f for name, f in sub.model_fields.items() if part in {name, f.alias}), None)
        if field is None:
            return []
        current = field.annotation
    sub = _model_in(current)
    if sub is None:
        return []
    return [f.alias or name for name, f in sub.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in {typing.Union, types.UnionType, typing.Annotated, list}:
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
