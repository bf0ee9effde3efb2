"""Enforcement levels per stack: defaults by stack profile, then explicit overrides.

Profiles: `org`, `dev`, `staging` and `prod` use each policy's default level; `developer`
(dev-<name>, pr-<n> stacks, which never hold cardholder data) relaxes mandatory policies to
advisory, except locked ones (encryption, TLS, no card data in logs), which stay mandatory in
every stack and cannot be lowered by any override.

Overrides use the shape of the Pulumi CLI's `--policy-pack-config` file: a policy id (or
"all") mapped to a level, or to an object with `enforcementLevel`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pcizone.errors import UserError
from pcizone.policy.registry import all_policies
from pcizone.policy.spec import Level, StackKind

PROFILES = ("org", "dev", "staging", "prod", "developer")
ALL = "all"


def profile_for(kind: str, stage: str) -> str:
    """The profile of a stack from its kind and stage (see pcizone.config.stack_names)."""
    if kind == StackKind.DEVELOPER:
        return "developer"
    if stage not in PROFILES:
        raise UserError(f"unknown stage {stage!r}: expected one of org, dev, staging, prod")
    return stage


def default_levels(profile: str) -> dict[str, Level]:
    if profile not in PROFILES:
        raise UserError(
            f"unknown policy profile {profile!r}: expected one of {', '.join(PROFILES)}"
        )
    return {
        p.id: p.developer_level() if profile == "developer" else p.enforcement
        for p in all_policies()
    }


def _level(value: Any, where: str) -> Level:
    raw = value.get("enforcementLevel") if isinstance(value, Mapping) else value
    try:
        return Level(str(raw))
    except ValueError:
        allowed = ", ".join(level.value for level in Level)
        raise UserError(
            f"{where}: enforcement level must be one of {allowed}, got {raw!r}"
        ) from None


def apply_overrides(
    levels: Mapping[str, Level], overrides: Mapping[str, Any], source: str
) -> dict[str, Level]:
    """`levels` with `overrides` applied; "all" first, then per-policy entries."""
    policies = {p.id: p for p in all_policies()}
    result = dict(levels)
    if ALL in overrides:
        everyone = _level(overrides[ALL], f"{source}: all")
        for policy_id, policy in policies.items():
            if not (policy.locked and everyone is not Level.MANDATORY):
                result[policy_id] = everyone
    for key, value in overrides.items():
        if key == ALL:
            continue
        if key not in policies:
            raise UserError(f"{source}: unknown policy id {key!r}")
        level = _level(value, f"{source}: {key}")
        if policies[key].locked and level is not Level.MANDATORY:
            raise UserError(
                f"{source}: {key} is locked to mandatory in every stack "
                f"(encryption, TLS and no card data in logs); it cannot be {level.value}"
            )
        result[key] = level
    return result


def read_overrides(path: Path) -> dict[str, Any]:
    """A pack config file (JSON object) with valid entries; one clear error naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"policy config file {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x})") from None
    except IsADirectoryError:
        raise UserError(f"policy config {path} is a directory, not a JSON file") from None
    except OSError as exc:
        raise UserError(f"policy config file {path} cannot be read: {exc.strerror}") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a JSON object mapping policy ids to levels")
    # Check ids, levels and locks now, before any stack runs.
    apply_overrides(default_levels("prod"), data, str(path))
    return data


def levels_for(
    kind: str, stage: str, overrides: Mapping[str, Any] | None = None, source: str = "overrides"
) -> dict[str, Level]:
    levels = default_levels(profile_for(kind, stage))
    return apply_overrides(levels, overrides, source) if overrides else levels
