"""Stage runs of the account foundation against the org stack's real offline outputs.

`programs/stage_foundation.py` wires `build_account_foundation` exactly as the stage stack does
(the stage provider and a logs key), so these tests judge the baseline and the log pipeline on
their own. The org stack runs first, as a stage deploy needs it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pcizone.config.loader import load_stack_config
from pcizone.offline import urns
from pcizone.offline.model import RecordedResource, RecordedRun, unwrap
from pcizone.offline.preview_mocks import PreviewMocks
from pcizone.offline.runner import run_program, run_stack

PROGRAM = Path(__file__).parent / "programs" / "stage_foundation.py"
STAGES = ("dev", "staging", "prod")


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
        value = resource.inputs[prop]
        assert isinstance(value, str), f"{resource.name}.{prop} is not a JSON string: {value!r}"
        parsed: dict[str, Any] = json.loads(value)
        return parsed

    def sids(self, resource: RecordedResource, prop: str = "policy") -> dict[str, Any]:
        statements = self.doc(resource, prop)["Statement"]
        found = {s["Sid"]: s for s in statements}
        assert len(found) == len(statements)
        return found

    def provider_of(self, resource: RecordedResource) -> RecordedResource:
        assert resource.provider, f"{resource.name} uses the default provider"
        return self.by_urn[urns.provider_urn_of_reference(resource.provider)]

    def custom_resources(self) -> Iterator[RecordedResource]:
        for resource in self.run.resources:
            if resource.custom and not resource.type.startswith("pulumi:"):
                yield resource


@pytest.fixture(scope="session")
def org_run() -> Recorded:
    return Recorded(run_stack("org"))


@pytest.fixture(scope="session")
def org_outputs(org_run: Recorded) -> dict[str, Any]:
    return org_run.outputs


def run_foundation(stage: str, org_outputs: dict[str, Any]) -> Recorded:
    identity, config, raw = load_stack_config(stage)
    run = run_program(
        PROGRAM,
        stack=stage,
        config=raw.as_engine_strings(),
        secret_keys=raw.secret_keys,
        mocks=PreviewMocks(region=config.region, stack_outputs={"org": org_outputs}),
        kind=identity.kind.value,
        stage=identity.stage,
    )
    return Recorded(run)


@pytest.fixture(scope="session")
def stages(org_outputs: dict[str, Any]) -> dict[str, Recorded]:
    return {stage: run_foundation(stage, org_outputs) for stage in STAGES}
