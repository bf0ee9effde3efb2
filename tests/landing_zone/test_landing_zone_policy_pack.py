"""The PCI policy pack, run offline through the engine's analyzer path, passes the org stack."""

from __future__ import annotations

from typing import Any

from pcizone.policy.evaluate import evaluate_run
from pcizone.policy.verdict import Status


def test_org_stack_passes_every_policy_with_no_unknowns(org: Any) -> None:
    verdict = evaluate_run(org.run)
    failures = [
        (r.policy, r.resource_name, r.messages)
        for r in verdict.results
        if r.status in (Status.FAIL, Status.UNKNOWN)
    ]
    assert failures == []
    judged = {r.policy for r in verdict.results if r.status is Status.PASS}
    for policy in (
        "pci-org-trail",
        "pci-scp-workload-ous",
        "pci-trail-bucket-object-lock",
        "pci-trail-bucket-lifecycle",
        "pci-trail-bucket-access-logging",
        "pci-s3-tls-only",
        "pci-kms-rotation",
    ):
        assert policy in judged
