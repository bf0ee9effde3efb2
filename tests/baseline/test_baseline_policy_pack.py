"""The PCI policy pack, run offline, passes every stage's foundation."""

from __future__ import annotations

from typing import Any

import pytest
from pcizone.policy.evaluate import evaluate_run
from pcizone.policy.verdict import Status


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_foundation_passes_the_account_and_logging_policies(stages: Any, stage: str) -> None:
    verdict = evaluate_run(stages[stage].run)
    failures = [
        (r.policy, r.resource_name, r.messages)
        for r in verdict.results
        if r.status in (Status.FAIL, Status.UNKNOWN)
    ]
    assert failures == []
    judged = {r.policy for r in verdict.results if r.status is Status.PASS}
    for policy in (
        "pci-account-s3-public-access-block",
        "pci-account-ebs-encryption",
        "pci-account-guardduty",
        "pci-account-securityhub-pci",
        "pci-account-config",
        "pci-account-access-analyzer",
        "pci-firehose-sse",
        "pci-firehose-destination-kms",
        "pci-sns-kms",
    ):
        assert policy in judged
