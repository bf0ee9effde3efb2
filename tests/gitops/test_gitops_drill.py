"""DR drills in CI: the outcome recorded next to the evidence, and the issue on a miss."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pcizone.gitops.drill import ERROR, MISSED, PASSED, Outcome, issue, load_outcomes, main, run
from pcizone.gitops.errors import GitOpsError

# Stands in for `pcizone drill`: writes evidence like the real one and exits with the code
# named in the environment-free way the test needs (missed target: 1).
FAKE_DRILL = """
import json, pathlib, sys
args = sys.argv[1:]
out = pathlib.Path(args[args.index("--report-dir") + 1])
stack = args[args.index("--stack") + 1]
(out / "evidence.json").write_text(json.dumps({"stack": stack, "rtoSeconds": 190}))
(out / "evidence.md").write_text(
    f"# DR drill {stack}\\n\\n| target | measured |\\n|---|---|\\n| RTO 120 s | 190 s |\\n"
    "probe payment for card 4111111111111111 failed\\n"
)
print("drilling", " ".join(args))
sys.exit(EXIT)
"""


def fake_pcizone(make_tool: Any, code: int) -> str:
    return str(make_tool(f"pcizone-{code}", FAKE_DRILL.replace("EXIT", str(code))))


def test_a_missed_target_is_recorded_and_fails_the_job(tmp_path: Path, make_tool: Any) -> None:
    out = tmp_path / "evidence" / "staging"
    outcome = run(
        stack="staging",
        scenario="all",
        report_dir=out,
        prod_ok=False,
        pcizone=fake_pcizone(make_tool, 1),
    )
    assert (outcome.status, outcome.exit_code) == (MISSED, 1)
    recorded = json.loads((out / "outcome.json").read_text())
    assert {k: recorded[k] for k in ("stack", "scenario", "status", "exit_code")} == {
        "stack": "staging",
        "scenario": "all",
        "status": "missed",
        "exit_code": 1,
    }
    assert (
        "drilling drill --stack staging --scenario all --report-dir"
        in (out / "drill.log").read_text()
    )


def test_command_passes_the_prod_acknowledgement_through(tmp_path: Path, make_tool: Any) -> None:
    out = tmp_path / "prod"
    tool = fake_pcizone(make_tool, 0)
    args = ["run", "--stack", "prod", "--scenario", "queue", "--report-dir", str(out)]
    assert main([*args, "--i-understand-prod", "--pcizone", tool]) == 0
    assert "--i-understand-prod" in (out / "drill.log").read_text()
    (outcome,) = load_outcomes(tmp_path)
    assert (outcome.stack, outcome.scenario, outcome.status) == ("prod", "queue", PASSED)


@pytest.mark.parametrize(
    ("stack", "scenario", "prod_ok", "message"),
    [
        ("staging", "meteor", False, "--scenario must be one of"),
        ("dev", "all", False, "--stack must be one of staging, prod"),
        ("prod", "all", False, "a prod drill needs --i-understand-prod"),
    ],
)
def test_bad_requests_are_refused_before_anything_runs(
    tmp_path: Path, stack: str, scenario: str, prod_ok: bool, message: str
) -> None:
    with pytest.raises(GitOpsError, match=message):
        run(
            stack=stack,
            scenario=scenario,
            report_dir=tmp_path / "x",
            prod_ok=prod_ok,
            pcizone="false",
        )
    assert not (tmp_path / "x").exists()


def test_no_issue_when_every_drill_passed(tmp_path: Path) -> None:
    outcomes = [Outcome("staging", "all", PASSED, 0, tmp_path)]
    assert issue(outcomes, run_url="", expected=["staging"]) is None


def test_a_miss_opens_an_issue_with_the_masked_evidence(tmp_path: Path, make_tool: Any) -> None:
    out = tmp_path / "staging"
    run(
        stack="staging",
        scenario="all",
        report_dir=out,
        prod_ok=False,
        pcizone=fake_pcizone(make_tool, 1),
    )
    found = issue(load_outcomes(tmp_path), run_url="https://github.com/acme/pcizone/actions/runs/5")
    assert found is not None
    title, body = found
    assert title == "DR drill missed a recovery target: staging"
    assert "| staging | all | ❌ target missed (exit 1) |" in body
    assert "| RTO 120 s | 190 s |" in body
    assert "4111111111111111" not in body and "...1111]" in body
    assert body.endswith(
        "Evidence artifacts and logs: https://github.com/acme/pcizone/actions/runs/5"
    )


def test_a_drill_that_could_not_run_opens_its_own_kind_of_issue(tmp_path: Path) -> None:
    (tmp_path / "drill.log").write_text("error: the staging stack has no Aurora global cluster\n")
    outcomes = [Outcome("staging", "all", ERROR, 4, tmp_path)]
    found = issue(outcomes, run_url="", expected=["staging", "prod"])
    assert found is not None
    title, body = found
    assert title == "DR drill could not run: prod, staging"
    assert "no Aurora global cluster" in body
    assert "| prod | ? | ⚠️ no outcome: the job failed before the drill ran |" in body
