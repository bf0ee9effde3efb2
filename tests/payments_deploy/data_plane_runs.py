"""Offline runs of the real program, shared by tests/network, tests/data, tests/payments_deploy.

Each stack runs once per test session (org and dev first, as their StackReferences need);
every test reads the recorded registrations: wire inputs, as the engine would see them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pcizone.config.loader import load_stack_config
from pcizone.config.models import StageConfig
from pcizone.offline.model import RecordedResource, RecordedRun, Secret, unwrap
from pcizone.offline.runner import run_stack
from pcizone.offline.urns import type_chain

_RUNS: dict[str, RecordedRun] = {}
_INDEX: dict[int, dict[str, RecordedResource]] = {}
OWN_COMPONENTS = ("pcizone:network:", "pcizone:data:", "pcizone:alerts:", "pcizone:payments:")
DEVELOPER_STACKS = ("dev-alice", "dev-bob")
STAGE_STACKS = ("dev", "staging", "prod")


def run(stack: str) -> RecordedRun:
    if stack not in _RUNS:
        run_stack(stack, cache=_RUNS)  # records the stack and what it references in _RUNS
    return _RUNS[stack]


def stage_config(stack: str) -> StageConfig:
    """The validated config of a stage stack (dev, staging, prod)."""
    _, config, _ = load_stack_config(stack)
    assert isinstance(config, StageConfig)
    return config


def outputs(stack: str) -> dict[str, Any]:
    value = unwrap(run(stack).outputs)
    assert isinstance(value, dict)
    return value


def owned(recorded: RecordedRun) -> list[RecordedResource]:
    """Custom resources declared inside this repo's data-plane components (not the baseline)."""
    return [
        r
        for r in recorded.resources
        if r.custom and any(part in type_chain(r.urn) for part in OWN_COMPONENTS)
    ]


def of_type(resources: Iterable[RecordedResource], type_: str) -> list[RecordedResource]:
    return [r for r in resources if r.type == type_]


def one(resources: Iterable[RecordedResource], type_: str, name: str) -> RecordedResource:
    found = [r for r in resources if r.type == type_ and r.name == name]
    assert len(found) == 1, f"{len(found)} {type_} named {name}"
    return found[0]


def plain(value: Any) -> Any:
    """A wire value without secret wrappers."""
    return unwrap(value.value if isinstance(value, Secret) else value)


def document(value: Any) -> dict[str, Any]:
    """A JSON-typed input (policy, redrive policy) parsed."""
    text = plain(value)
    assert isinstance(text, str), f"expected JSON text, got {type(text).__name__}"
    parsed = json.loads(text)
    assert isinstance(parsed, dict)
    return parsed


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allow_pairs(policy: dict[str, Any]) -> set[tuple[str, str]]:
    """Every (action, resource) an identity policy allows."""
    pairs = set()
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow", statement
        assert "NotAction" not in statement and "NotResource" not in statement
        for action in as_list(statement["Action"]):
            for resource in as_list(statement["Resource"]):
                pairs.add((action, resource))
    return pairs


def by_urn(recorded: RecordedRun) -> dict[str, RecordedResource]:
    """The run's resources by URN, built once per run."""
    key = id(recorded)
    if key not in _INDEX:
        _INDEX[key] = recorded.by_urn()
    return _INDEX[key]


def provider_region(recorded: RecordedRun, resource: RecordedResource) -> str:
    provider = by_urn(recorded)[str(resource.provider)]
    return str(provider.inputs["region"])
