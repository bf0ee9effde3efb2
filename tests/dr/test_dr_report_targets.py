"""Evidence reports (JSON and Markdown) and the targets and prod safety switches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pcizone.dr import report
from pcizone.dr.clock import Clock
from pcizone.dr.provenance import Provenance
from pcizone.dr.results import ScenarioResult
from pcizone.dr.targets import DrillTargets, check_prod_allowed, load_drill_targets
from pcizone.dr.timeline import Timeline
from pcizone.errors import UserError

PROVENANCE = Provenance("dev-alice", "0123abcd", "0.1.0", "alice", "laptop", None)
REPO = Path(__file__).resolve().parents[2]


def finished_result() -> ScenarioResult:
    timeline = Timeline(Clock())
    with timeline.step("promote node-b") as step:
        step.note(method="pg_promote")
    timeline.anomaly("the processor said card 4111 1111 1111 1111 was declined")
    result = ScenarioResult(
        "db-failover", "local", DrillTargets(60, 1, 5).for_scenario("db-failover"), timeline
    )
    result.rto_seconds, result.rpo_commits, result.rpo_seconds = 0.25, 2, 0.03
    result.judge_targets()
    return result


def test_report_json_has_the_required_fields_and_pci_mapping(tmp_path: Path) -> None:
    json_path, md_path = report.write(report.build(finished_result(), PROVENANCE), tmp_path)

    data = json.loads(json_path.read_text())
    assert json_path.parent == tmp_path / "dev-alice" and md_path == json_path.with_suffix(".md")
    assert {"scenario", "passed", "rto_seconds", "rpo_commits", "targets"} <= set(data)
    assert data["scenario"] == "db-failover" and data["passed"] is True
    assert data["targets"] == {"rto_seconds": 60, "rpo_commits": 5, "rpo_seconds": 1}
    assert (data["rto_seconds"], data["rpo_commits"]) == (0.25, 2)
    assert data["git_sha"] == "0123abcd" and data["operator"] == "alice"
    assert data["tool_version"] == "0.1.0" and data["stack"] == "dev-alice"
    assert data["started_at"].endswith("Z") and data["ended_at"] >= data["started_at"]
    assert data["steps"][0]["name"] == "promote node-b"
    assert data["steps"][0]["detail"] == {"method": "pg_promote"}
    requirements = [p["requirement"] for p in data["pci_dss"]]
    assert "12.10.2" in requirements and any(r.startswith("10.") for r in requirements)


def test_card_numbers_never_reach_a_report(tmp_path: Path) -> None:
    json_path, md_path = report.write(report.build(finished_result(), PROVENANCE), tmp_path)

    for path in (json_path, md_path):
        text = path.read_text()
        assert "4111 1111 1111 1111" not in text and "4111111111111111" not in text
        assert "[REDACTED-PAN]" in text


def test_markdown_shows_verdict_objectives_and_steps(tmp_path: Path) -> None:
    _, md_path = report.write(report.build(finished_result(), PROVENANCE), tmp_path)

    md = md_path.read_text()
    assert md.startswith("# DR drill `db-failover` on `dev-alice`: PASSED")
    assert "| RPO (commits) | 2 | 5 |" in md
    assert "promote node-b" in md and "12.10.2" in md


def test_reports_of_the_same_second_do_not_overwrite_each_other(tmp_path: Path) -> None:
    built = report.build(finished_result(), PROVENANCE)
    first, _ = report.write(built, tmp_path)
    second, _ = report.write(built, tmp_path)
    assert first != second and first.exists() and second.exists()


def test_switchover_allows_no_loss_while_failover_uses_the_stack_targets() -> None:
    targets = DrillTargets(rto_seconds=60, rpo_seconds=1, rpo_commits=5)
    assert targets.for_scenario("db-switchover").as_dict() == {
        "rto_seconds": 60,
        "rpo_commits": 0,
        "rpo_seconds": 0.0,
    }
    assert targets.for_scenario("db-failover").rpo_commits == 5
    assert targets.for_scenario("restore").rto_seconds is None
    with pytest.raises(UserError, match="unknown drill scenario 'chaos'"):
        targets.for_scenario("chaos")


def test_targets_come_from_the_stack_config() -> None:
    prod = load_drill_targets("prod", REPO)
    assert (prod.rto_seconds, prod.rpo_seconds, prod.rpo_commits) == (60, 1, 5)
    assert prod.region == "eu-central-1" and prod.allow_prod_drills is False
    assert prod.max_receive_count == 5
    assert load_drill_targets("dev-alice", REPO).max_receive_count == 3
    with pytest.raises(UserError, match="organization stack"):
        load_drill_targets("org", REPO)


def test_prod_needs_both_the_flag_and_the_config() -> None:
    allowed = DrillTargets(60, 1, 5, allow_prod_drills=True)
    denied = DrillTargets(60, 1, 5, allow_prod_drills=False)
    with pytest.raises(UserError, match="--i-understand-prod"):
        check_prod_allowed("prod", allowed, i_understand_prod=False)
    with pytest.raises(UserError, match="allowProdDrills is false"):
        check_prod_allowed("prod", denied, i_understand_prod=True)
    check_prod_allowed("prod", allowed, i_understand_prod=True)
    check_prod_allowed("staging", denied, i_understand_prod=False)
