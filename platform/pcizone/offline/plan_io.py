"""Plan files: deterministic JSON (sorted keys, sorted resources), so equal plans are equal bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pcizone.errors import UserError


def dumps(plan: dict[str, Any]) -> str:
    return json.dumps(plan, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_plan(plan: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(plan), encoding="utf-8")


def read_plan(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: plan file not found") from None
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{path}: not a plan (invalid JSON at line {exc.lineno}: {exc.msg})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("resources"), list):
        raise UserError(f"{path}: not a plan (expected an object with a 'resources' list)")
    return data
