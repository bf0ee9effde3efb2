"""An exception inside the program, described by the resource it happened in."""

from __future__ import annotations

import traceback
from pathlib import Path
from types import TracebackType

import pulumi

from pcizone.errors import EXIT_PROGRAM, UserError

_PROJECT_MARKERS = ("/platform/", "/services/payments/", "/tests/")


class ProgramError(UserError):
    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_PROGRAM)


def describe_program_exception(stack: str, exc: BaseException) -> str:
    root = _root_cause(exc)
    cause = f"{type(root).__name__}: {root}".strip()
    where = _resource_in_traceback(root.__traceback__) or _resource_in_traceback(exc.__traceback__)
    location = _project_frame(root.__traceback__) or _project_frame(exc.__traceback__)
    parts = [f"stack {stack}: the program failed"]
    if where:
        parts.append(f"while declaring {where}")
    if location:
        parts.append(f"at {location}")
    return " ".join(parts) + f": {cause}"


def _root_cause(exc: BaseException) -> BaseException:
    seen = set()
    while exc.__cause__ is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc = exc.__cause__
    return exc


def _resource_in_traceback(tb: TracebackType | None) -> str | None:
    found = None
    while tb is not None:
        local = tb.tb_frame.f_locals
        candidate = local.get("self")
        if isinstance(local.get("ty"), str) and isinstance(local.get("name"), str):
            # The SDK's register/prepare coroutines: the resource being serialized.
            found = f"resource {local['name']!r} ({local['ty']})"
        elif isinstance(candidate, pulumi.Resource):
            name = (
                local.get("resource_name") or local.get("name") or getattr(candidate, "_name", "")
            )
            type_ = getattr(candidate, "_type", None) or type(candidate).__name__
            if isinstance(name, str) and name:
                found = f"resource {name!r} ({type_})"
        tb = tb.tb_next
    return found


def _project_frame(tb: TracebackType | None) -> str | None:
    location = None
    for frame in traceback.extract_tb(tb):
        path = frame.filename.replace("\\\\", "/")
        if (
            any(marker in path for marker in _PROJECT_MARKERS)
            and "/.venv/" not in path
            and "/pcizone/offline/" not in path  # the engine itself is never the culprit
        ):
            location = f"{_relative(path)}:{frame.lineno}"
    return location


def _relative(path: str) -> str:
    for marker in _PROJECT_MARKERS:
        if marker in path:
            return marker.strip("/") + "/" + path.split(marker, 1)[1]
    return Path(path).name
