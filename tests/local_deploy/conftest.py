"""An emulator per test module, and a helper that deploys a small program into it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pcizone.local.aws_access import AwsAccess
from pcizone.local.deploy.handlers import HANDLERS
from pcizone.local.deploy.mocks import DeployedResource, LocalCloudMocks
from pcizone.local.deploy.not_emulated import NOT_EMULATED
from pcizone.local.deploy.services import LocalServices
from pcizone.local.deploy.state import StackState
from pcizone.local.emulator import Emulator
from pcizone.offline.model import RecordedRun
from pcizone.offline.runner import run_program

PROGRAMS = Path(__file__).parent / "programs"
REGION = "eu-west-1"
HASH_KEY = b"test-key"


@pytest.fixture(scope="module")
def aws() -> Iterator[AwsAccess]:
    emulator = Emulator(REGION)
    endpoint = emulator.start()
    try:
        yield AwsAccess(endpoint)
    finally:
        emulator.stop()


@dataclass
class Deployment:
    run: RecordedRun
    mocks: LocalCloudMocks

    @property
    def state(self) -> StackState:
        return self.mocks.state

    def named(self, name: str, type_: str = "") -> DeployedResource:
        """The resource called `name` (whose type ends with `type_`, when names repeat)."""
        found = [
            r for r in self.mocks.deployed.values() if r.name == name and r.type.endswith(type_)
        ]
        assert len(found) == 1, f"{len(found)} resources named {name} of type {type_}"
        return found[0]

    def actions(self) -> dict[str, str]:
        return {r.name: r.action.value for r in self.mocks.deployed.values()}


def deploy(
    aws: AwsAccess,
    program: str,
    *,
    stack: str = "test",
    config: dict[str, str] | None = None,
    previous: StackState | None = None,
    services: LocalServices | None = None,
    stack_outputs: dict[str, dict[str, Any]] | None = None,
    generation: str = "g1",
) -> Deployment:
    """Deploy `programs/<program>/__main__.py` (config keys without the `pcizone:` prefix)."""
    mocks = LocalCloudMocks(
        region=REGION,
        stack_outputs=stack_outputs or {},
        stack=stack,
        aws=aws,
        previous=previous or StackState(stack, generation),
        handlers=HANDLERS,
        not_emulated=NOT_EMULATED,
        services=services or LocalServices(),
        hash_key=HASH_KEY,
        project_dir=PROGRAMS,
        generation=generation,
    )
    run = run_program(
        PROGRAMS / program / "__main__.py",
        stack=stack,
        config={f"pcizone:{k}": v for k, v in (config or {}).items()},
        mocks=mocks,
        preview=False,
    )
    return Deployment(run, mocks)
