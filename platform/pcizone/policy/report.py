"""The compliance report as data: requirement sections -> policies -> resources -> status.

The JSON document is the contract (CI comments and auditors read it); the Markdown report is
rendered from the same data. Neither holds property values: only policy ids, URNs, statuses
and the rules' messages, which name properties and never print secret or free-form values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from pcizone.policy.registry import FRAMEWORK, FRAMEWORK_VERSION, PACK_NAME, PACK_VERSION
from pcizone.policy.requirements import section_key, title
from pcizone.policy.spec import Level
from pcizone.policy.verdict import PolicyResult, PolicyVerdict, Status

SCHEMA = "pcizone/compliance-report/v1"


def _totals(results: Iterable[PolicyResult]) -> dict[str, int]:
    listed = list(results)
    counts = Counter(r.status.value for r in listed)
    totals = {status.value: counts.get(status.value, 0) for status in Status}
    totals["mandatoryFailures"] = sum(
        1 for r in listed if r.status is Status.FAIL and r.enforcement is Level.MANDATORY
    )
    totals["advisoryFailures"] = sum(
        1 for r in listed if r.status is Status.FAIL and r.enforcement is Level.ADVISORY
    )
    return totals


def build_report(verdict: PolicyVerdict) -> dict[str, Any]:
    """The JSON-ready report of one stack."""
    by_policy: dict[str, list[PolicyResult]] = {p.id: [] for p in verdict.policies}
    for result in verdict.results:
        by_policy[result.policy].append(result)

    policies = [
        {
            "id": p.id,
            "description": p.description,
            "requirements": list(p.requirements),
            "severity": p.severity.value,
            "enforcement": verdict.levels[p.id].value,
            "defaultEnforcement": p.enforcement.value,
            "locked": p.locked,
            "kind": p.kind,
            "resourceTypes": list(p.types),
            "totals": _totals(by_policy[p.id]),
        }
        for p in verdict.policies
    ]
    results = [
        {
            "policy": r.policy,
            "urn": r.urn,
            "resourceType": r.resource_type,
            "resourceName": r.resource_name,
            "status": r.status.value,
            "message": r.message,
            "enforcement": r.enforcement.value,
            "severity": r.severity.value,
        }
        for r in verdict.results
    ]
    sections: dict[str, list[str]] = {}
    for p in verdict.policies:
        for section in p.requirements:
            sections.setdefault(section, []).append(p.id)
    requirements = [
        {
            "section": section,
            "title": title(section),
            "policies": ids,
            "resources": len({r.urn for pid in ids for r in by_policy[pid]}),
            "totals": _totals(r for pid in ids for r in by_policy[pid]),
        }
        for section, ids in sorted(sections.items(), key=lambda kv: section_key(kv[0]))
    ]
    return {
        "schema": SCHEMA,
        "framework": {"name": FRAMEWORK, "version": FRAMEWORK_VERSION},
        "pack": {"name": PACK_NAME, "version": PACK_VERSION},
        "stack": verdict.stack,
        "kind": verdict.kind,
        "stage": verdict.stage,
        "passed": verdict.passed,
        "totals": _totals(verdict.results),
        "requirements": requirements,
        "policies": policies,
        "results": results,
    }


def build_index(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary of several stacks' reports (`pcizone compliance --all`)."""
    return {
        "schema": SCHEMA,
        "framework": {"name": FRAMEWORK, "version": FRAMEWORK_VERSION},
        "pack": {"name": PACK_NAME, "version": PACK_VERSION},
        "passed": all(r["passed"] for r in reports),
        "stacks": [
            {"stack": r["stack"], "kind": r["kind"], "passed": r["passed"], "totals": r["totals"]}
            for r in reports
        ],
    }
