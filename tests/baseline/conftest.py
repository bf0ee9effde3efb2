"""Stage runs of the account foundation against the org stack's real offline outputs.

`programs/stage_foundation.py` wires `build_account_foundation` exactly as the stage stack does
(the stage provider and a logs key), so these tests judge the baseline and the log pipeline on
their own. The org stack runs first, as a stage deploy needs it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from pcizone.config.loader import load_stack_config
from pcizone.offline.preview_mocks import PreviewMocks
from pcizone.offline.runner import run_program

# With --import-mode=importlib test folders are not on sys.path: add the one with the helper.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "landing_zone"))

from recorded_runs import Recorded, run_org

PROGRAM = Path(__file__).parent / "programs" / "stage_foundation.py"
STAGES = ("dev", "staging", "prod")


@pytest.fixture(scope="session")
def org_run() -> Recorded:
    return run_org()


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
