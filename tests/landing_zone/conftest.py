"""The org stack, run once offline through the real program, and ways to read what it declared."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pcizone.offline import urns
from pcizone.offline.model import RecordedResource, RecordedRun, unwrap
from pcizone.offline.runner import run_stack


class Recorded:
    """Lookups over one recorded run; every lookup fails loudly when it finds the wrong count."""

    def __init__(self, run: RecordedRun) -> None:
        self.run = run
        self.outputs: dict[str, Any] = unwrap(run.outputs)
        self.by_urn = run.by_urn()

    def all(self, type_: str) -> list[RecordedResource]:
        return self.run.of_type(type_)

    def one(self, type_: str, name: str) -> RecordedResource:
        return self.run.named(name, type_)

    def doc(self, resource: RecordedResource, prop: str = "policy") -> dict[str, Any]:
        """A JSON-typed input (policy, content, assumeRolePolicy) parsed."""
        value = resource.inputs[prop]
        assert isinstance(value, str), f"{resource.name}.{prop} is not a JSON string: {value!r}"
        parsed = json.loads(value)
        assert isinstance(parsed, dict)
        return parsed

    def provider_of(self, resource: RecordedResource) -> RecordedResource:
        assert resource.provider, f"{resource.name} uses the default provider"
        return self.by_urn[urns.provider_urn_of_reference(resource.provider)]

    def custom_resources(self) -> Iterator[RecordedResource]:
        for resource in self.run.resources:
            if resource.custom and not resource.type.startswith("pulumi:"):
                yield resource


def statements_by_sid(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {s["Sid"]: s for s in document["Statement"]}
    assert len(found) == len(document["Statement"]), "statements without a unique Sid"
    return found


@pytest.fixture(scope="session")
def org() -> Recorded:
    return Recorded(run_stack("org"))


@pytest.fixture(scope="session")
def sids() -> Any:
    return statements_by_sid
