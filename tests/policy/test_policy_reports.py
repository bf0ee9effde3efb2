"""Compliance reports (JSON + Markdown) and the `pcizone compliance` command."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest
from pcizone.cli import compliance
from pcizone.errors import UserError
from pcizone.policy.registry import all_policies, by_id
from pcizone.policy.report import build_report
from pcizone.policy.report_files import write_reports
from pcizone.policy.report_markdown import render_markdown
from pcizone.policy.requirements import section_key


def _case(corpus: Any, name: str) -> Any:
    return next(c for c in [*corpus.cases, *corpus.controls] if c.name == name)


def test_json_report_has_the_contract_fields_and_consistent_totals(corpus):  # type: ignore[no-untyped-def]
    verdict = corpus.verdict(_case(corpus, "two-breaks-at-once"))
    report = json.loads(json.dumps(build_report(verdict)))
    assert report["stack"] == "staging" and report["passed"] is False
    assert {"id", "requirements", "severity", "enforcement"} <= set(report["policies"][0])
    assert {"policy", "urn", "status", "message"} <= set(report["results"][0])
    assert [p["id"] for p in report["policies"]] == [p.id for p in all_policies()]
    statuses = [r["status"] for r in report["results"]]
    for status in ("pass", "fail", "unknown", "not-applicable"):
        assert report["totals"][status] == statuses.count(status)
    mandatory = [
        r for r in report["results"] if r["status"] == "fail" and r["enforcement"] == "mandatory"
    ]
    assert report["totals"]["mandatoryFailures"] == len(mandatory) == 8
    failing = {r["policy"] for r in mandatory}
    assert failing == _case(corpus, "two-breaks-at-once").fail


def test_requirements_map_sections_to_policies_and_resources(corpus):  # type: ignore[no-untyped-def]
    report = build_report(corpus.verdict(_case(corpus, "two-breaks-at-once")))
    sections = [r["section"] for r in report["requirements"]]
    assert sections == sorted(sections, key=section_key)
    cited = {s for p in all_policies() for s in p.requirements}
    assert set(sections) == cited
    policies = {p["id"]: p for p in report["policies"]}
    for req in report["requirements"]:
        assert all(req["section"] in policies[pid]["requirements"] for pid in req["policies"])
        rows = [r for r in report["results"] if r["policy"] in req["policies"]]
        assert req["totals"]["fail"] == sum(r["status"] == "fail" for r in rows)
        assert req["resources"] == len({r["urn"] for r in rows})
    tls = next(r for r in report["requirements"] if r["section"] == "4.2.1")
    assert "pci-sqs-tls-only" in tls["policies"] and tls["totals"]["fail"] >= 1


def test_markdown_report_shows_verdict_violations_and_sections(corpus):  # type: ignore[no-untyped-def]
    text = render_markdown(build_report(corpus.verdict(_case(corpus, "iam-star-action"))))
    assert text.startswith("# PCI DSS v4.0.1 compliance report: stack `dev-case`")
    assert "- Verdict: **PASSED**" in text  # the wildcard policy is advisory in developer stacks
    assert (
        "| advisory | critical | pci-iam-no-wildcard-action | worker-policy (aws:iam/rolePolicy:RolePolicy) | policy statement 3 allows Action '*' |"
        in text
    )
    assert (
        "### 7.2.1: Access to system components and data is appropriately defined and assigned"
        in text
    )


def test_markdown_cells_escape_pipes():
    report: dict[str, Any] = {
        "framework": {"name": "PCI DSS", "version": "4.0.1"},
        "pack": {"name": "p", "version": "1"},
        "stack": "s",
        "kind": "stage",
        "stage": "prod",
        "passed": False,
        "totals": {"pass": 0, "fail": 1, "unknown": 0, "not-applicable": 0, "mandatoryFailures": 1},
        "policies": [],
        "requirements": [],
        "results": [
            {
                "policy": "pci-x",
                "urn": "u",
                "resourceType": "t",
                "resourceName": "n",
                "status": "fail",
                "message": "a|b",
                "enforcement": "mandatory",
                "severity": "high",
            }
        ],
    }
    assert "| a\\|b |" in render_markdown(report)


def test_write_reports_writes_each_stack_and_an_index(corpus, tmp_path):  # type: ignore[no-untyped-def]
    reports = [
        build_report(corpus.verdict(_case(corpus, "control-org"))),
        build_report(corpus.verdict(_case(corpus, "aurora-unencrypted"))),
    ]
    written = write_reports(reports, tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(
        ["org.json", "org.md", "prod.json", "prod.md", "index.json", "index.md"]
    )
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert index["passed"] is False
    assert [(s["stack"], s["passed"]) for s in index["stacks"]] == [("org", True), ("prod", False)]
    assert not list((tmp_path / "out").glob(".*.tmp"))


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    compliance.register(parser.add_subparsers())
    return parser.parse_args(["compliance", *argv])


def test_compliance_command_exit_codes_and_files(corpus, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    runs = {
        "prod": corpus.run(_case(corpus, "aurora-unencrypted")),
        "org": corpus.run(_case(corpus, "control-org")),
    }
    calls: list[str] = []

    def fake_run_stack(stack: str, **_kwargs: Any) -> Any:
        calls.append(stack)
        return runs[stack]

    monkeypatch.setattr("pcizone.offline.runner.run_stack", fake_run_stack)
    out = tmp_path / "reports"
    assert compliance.run(_args("--stack", "org", "--out", str(out))) == 0
    assert compliance.run(_args("--stack", "prod", "--out", str(out))) == 1
    report = json.loads((out / "prod.json").read_text())
    assert [r["policy"] for r in report["results"] if r["status"] == "fail"] == [
        "pci-aurora-storage-cmk"
    ]
    # Once in each requirement section the policy evidences.
    sections = len(by_id()["pci-aurora-storage-cmk"].requirements)
    assert (out / "prod.md").read_text().count("**FAIL**") == sections == 3

    # Lowering an unlocked policy is allowed; the failure is locked, so the verdict stands.
    overrides = tmp_path / "levels.json"
    overrides.write_text(json.dumps({"pci-lambda-vpc": "advisory"}))
    assert (
        compliance.run(
            _args("--stack", "prod", "--out", str(out), "--policy-config", str(overrides))
        )
        == 1
    )

    # Bad input fails before any stack runs.
    calls.clear()
    overrides.write_text(json.dumps({"pci-aurora-storage-cmk": "advisory"}))
    with pytest.raises(UserError, match="locked to mandatory"):
        compliance.run(
            _args("--stack", "prod", "--out", str(out), "--policy-config", str(overrides))
        )
    assert calls == []


def test_compliance_requires_a_stack_or_all():
    parser = argparse.ArgumentParser()
    compliance.register(parser.add_subparsers())
    with pytest.raises(SystemExit):
        parser.parse_args(["compliance", "--stack", "prod", "--all"])
    with pytest.raises(SystemExit):
        parser.parse_args(["compliance"])
