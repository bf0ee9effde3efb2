"""Drift detection: the refresh preview's verdict, its report files, and the issue text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pcizone.gitops.drift import (
    CLEAN,
    DRIFT,
    ERROR,
    Change,
    DriftReport,
    check,
    interpret,
    issue,
    load_reports,
    main,
)
from pcizone.gitops.errors import GitOpsError

SG = "urn:pulumi:prod::pcizone::aws:ec2/securityGroup:SecurityGroup::db"
BUCKET = "urn:pulumi:prod::pcizone::aws:s3/bucket:Bucket::audit"
KEY = "urn:pulumi:prod::pcizone::aws:kms/key:Key::data"


def digest(steps: list[dict[str, Any]], summary: dict[str, int], **extra: Any) -> str:
    """The shape `pulumi refresh --preview-only --json` prints (Pulumi's preview digest)."""
    return json.dumps({"steps": steps, "changeSummary": summary, "duration": 3_000_000, **extra})


DRIFTED = digest(
    [
        {
            "op": "update",
            "urn": SG,
            "oldState": {"inputs": {"ingress": [{"cidrBlocks": ["10.0.0.0/16"]}]}},
            "newState": {"inputs": {"ingress": [{"cidrBlocks": ["0.0.0.0/0"]}]}},
            "diffReasons": ["ingress"],
        },
        {"op": "delete", "urn": BUCKET},
        {"op": "refresh", "urn": KEY, "detailedDiff": {"enableKeyRotation": {"kind": "update"}}},
        {"op": "same", "urn": "urn:pulumi:prod::pcizone::pulumi:pulumi:Stack::pcizone-prod"},
    ],
    {"same": 40, "update": 2, "delete": 1},
)


def test_exit_zero_is_no_drift() -> None:
    report = interpret("prod", 0, digest([], {"same": 43}), "")
    assert report == DriftReport("prod", CLEAN, counts={"same": 43})


def test_changes_are_listed_by_operation_and_urn_only() -> None:
    report = interpret("prod", 255, DRIFTED, "error: no changes were expected")
    assert report.status == DRIFT
    assert report.changes == (
        Change("update", SG),
        Change("delete", BUCKET),
        Change("refresh", KEY),
    )
    assert report.counts == {"same": 40, "update": 2, "delete": 1}
    assert "0.0.0.0/0" not in json.dumps(report.to_json())  # no property values, ever


def test_a_failed_refresh_is_an_error_with_its_first_error_diagnostic() -> None:
    failed = digest(
        [],
        {},
        diagnostics=[
            {"severity": "warning", "message": "deprecated"},
            {
                "severity": "error",
                "message": "AccessDenied: not authorized to perform rds:Describe",
            },
        ],
    )
    report = interpret("prod", 255, failed, "")
    assert report.status == ERROR
    assert report.detail == "AccessDenied: not authorized to perform rds:Describe"


def test_unparsable_output_is_an_error_with_the_end_of_stderr() -> None:
    report = interpret("dev", 1, "not json", "line 1\nerror: could not log in to s3://state\n")
    assert (report.status, report.detail) == (
        ERROR,
        "line 1\nerror: could not log in to s3://state",
    )


def test_check_runs_the_read_only_refresh_and_writes_its_report(
    tmp_path: Path, make_tool: Any
) -> None:
    calls = tmp_path / "calls.json"
    pulumi = make_tool(
        "pulumi",
        f"""
        import json, sys
        open({str(calls)!r}, "w").write(json.dumps(sys.argv[1:]))
        print({DRIFTED!r})
        print("warning: AKIAIOSFODNN7EXAMPLE leaked in a provider message", file=sys.stderr)
        sys.exit(255)
        """,
    )
    out = tmp_path / "drift"
    report = check("prod", out, str(pulumi))

    assert json.loads(calls.read_text()) == [
        "refresh", "--stack", "prod", "--preview-only", "--expect-no-changes",
        "--json", "--non-interactive", "--color", "never",
    ]  # fmt: skip
    assert report.status == DRIFT
    saved = json.loads((out / "prod.json").read_text())
    assert saved["format"] == "pcizone-drift/1"
    assert saved["changes"][0] == {"op": "update", "urn": SG}
    assert "[masked AWS key id]" in (out / "prod.log").read_text()
    assert load_reports(out) == [report]


def test_command_exit_codes_tell_clean_drift_and_failure_apart(
    tmp_path: Path, make_tool: Any
) -> None:
    outputs = {"clean": (digest([], {"same": 3}), 0), "drift": (DRIFTED, 255), "error": ("", 1)}
    codes = {}
    for name, (stdout, code) in outputs.items():
        tool = make_tool(f"pulumi-{name}", f"import sys\nprint({stdout!r})\nsys.exit({code})\n")
        codes[name] = main(
            ["check", "--stack", "dev", "--out", str(tmp_path), "--pulumi", str(tool)]
        )
    assert codes == {"clean": 0, "drift": 1, "error": 4}


def test_a_corrupt_report_counts_as_a_failed_check(tmp_path: Path) -> None:
    (tmp_path / "dev.json").write_text("{truncated", encoding="utf-8")
    (report,) = load_reports(tmp_path)
    assert (report.stack, report.status) == ("dev", ERROR)
    assert report.detail.startswith("unreadable report")


def test_no_issue_when_every_stack_is_clean() -> None:
    reports = [DriftReport(s, CLEAN) for s in ("org", "dev", "staging", "prod")]
    assert issue(reports, run_url="https://x", expected=["org", "dev", "staging", "prod"]) is None


def test_drift_issue_lists_the_changes_of_each_drifted_stack() -> None:
    reports = [
        DriftReport("dev", CLEAN),
        DriftReport("prod", DRIFT, (Change("update", SG), Change("delete", BUCKET))),
    ]
    found = issue(reports, run_url="https://github.com/acme/pcizone/actions/runs/7")
    assert found is not None
    title, body = found
    assert title == "Infrastructure drift detected"
    assert "| dev | ✅ no drift | 0 |" in body
    assert "| prod | ❌ drift | 2 |" in body
    assert f"```text\nupdate   {SG}\ndelete   {BUCKET}\n```" in body
    assert body.endswith("Workflow run: https://github.com/acme/pcizone/actions/runs/7")


def test_a_stack_that_never_reported_makes_a_could_not_run_issue() -> None:
    found = issue([DriftReport("dev", CLEAN)], run_url="", expected=["dev", "prod"])
    assert found is not None
    title, body = found
    assert title == "Drift check could not run"
    assert "| prod | ⚠️ check failed | 0 |" in body
    assert "no report: the job failed before the refresh ran" in body


def test_long_change_lists_are_capped() -> None:
    changes = tuple(Change("update", f"urn:pulumi:dev::pcizone::aws:x:Y::r{i}") for i in range(80))
    found = issue([DriftReport("dev", DRIFT, changes)], run_url="")
    assert found is not None
    assert "r49\n" in found[1] and "r50\n" not in found[1]
    assert "... and 30 more (see the run's drift-dev artifact)" in found[1]


@pytest.mark.parametrize("stack", ["", "Prod", "prod; rm -rf /"])
def test_bad_stack_names_are_refused(tmp_path: Path, stack: str) -> None:
    with pytest.raises(GitOpsError, match="is not a stack name"):
        check(stack, tmp_path, "pulumi")
