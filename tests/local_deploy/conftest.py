"""An emulator per test module, and a helper that deploys a small program into it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pcizone.local.aws_access import AwsAccess
from pcizone.local.deploy.deployer import DeployResult, deploy_program
from pcizone.local.deploy.handlers import HANDLERS
from pcizone.local.deploy.mocks import DeployedResource, LocalCloudMocks
from pcizone.local.deploy.not_emulated import NOT_EMULATED
from pcizone.local.deploy.services import LocalServices
from pcizone.local.deploy.state import StackState
from pcizone.local.emulator import Emulator
from pcizone.local.local_cloud import LocalCloud
from pcizone.local.paths import LocalPaths
from pcizone.local.postgres import pg_temp_dir
from pcizone.local.teardown import remove_local_cloud
from pcizone.offline.model import RecordedRun
from pcizone.offline.runner import run_program

PROGRAMS = Path(__file__).parent / "programs"
REGION = "eu-west-1"
HASH_KEY = b"test-key"
CLOUD_STACK = "cloud"


@pytest.fixture
def paths() -> Iterator[LocalPaths]:
    """A whole local cloud's folder (PostgreSQL included), removed afterwards."""
    root = pg_temp_dir("pcizone-test-cloud-")
    try:
        yield LocalPaths(root / "local")
    finally:
        remove_local_cloud(LocalPaths(root / "local"))
        root.rmdir()


def deploy_payments_like(cloud: LocalCloud) -> DeployResult:
    """Deploy the small payments-like program into `cloud` as the stack CLOUD_STACK."""
    return deploy_program(
        PROGRAMS / "payments_like" / "__main__.py",
        CLOUD_STACK,
        cloud.target(),
        state_path=cloud.paths.stack_state(CLOUD_STACK),
        region=REGION,
        config={},
    )


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
