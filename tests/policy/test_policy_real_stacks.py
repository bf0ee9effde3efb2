"""The gate: every stack in stacks/ passes the pack with zero mandatory violations offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from pcizone.config.loader import list_stacks
from pcizone.offline.model import RecordedRun
from pcizone.offline.runner import run_stack
from pcizone.policy.evaluate import evaluate_run

ROOT = Path(__file__).resolve().parents[2]
STACKS = list_stacks(ROOT)


@pytest.fixture(scope="module")
def runs() -> dict[str, RecordedRun]:
    return {}


def test_every_stack_kind_is_covered():
    kinds = {"org", "dev", "staging", "prod"}
    assert kinds <= set(STACKS)
    assert any(s.startswith("dev-") for s in STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_stack_has_no_mandatory_violation(stack: str, runs: dict[str, RecordedRun]) -> None:
    verdict = evaluate_run(run_stack(stack, repo_root=ROOT, cache=runs))
    violations = [
        f"{r.policy} on {r.resource_type} {r.resource_name}: {r.message}"
        for r in verdict.mandatory_failures
    ]
    assert violations == []
    # Judged, not vacuous: a real stack has resources that policies looked at.
    assert sum(r.status.value == "pass" for r in verdict.results) > 0
