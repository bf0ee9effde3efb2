"""Plan files: deterministic JSON (sorted keys, sorted resources), so equal plans are equal bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pcizone.errors import UserError


def dumps(plan: dict[str, Any]) -> str:
    return json.dumps(plan, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def check_plan_target(path: Path) -> None:
    """Refuse a --json target that cannot be a file, before any work is done."""
    if path.is_dir():
        raise UserError(f"{path}: is a directory; give a file name for the plan")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UserError(f"{path}: {parent} is not a directory")
            break


def write_plan(plan: dict[str, Any], path: Path) -> None:
    check_plan_target(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps(plan), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot write the plan: {exc.strerror or exc}") from None


def read_plan(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: plan file not found") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a plan file") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read the plan: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a plan (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{path}: not a plan (invalid JSON at line {exc.lineno}: {exc.msg})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("resources"), list):
        raise UserError(f"{path}: not a plan (expected an object with a 'resources' list)")
    return data
