"""The PCI policy pack, run offline, passes every stage's foundation."""

from __future__ import annotations

from typing import Any

import pytest
from recorded_runs import assert_passes_policies


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_foundation_passes_the_account_and_logging_policies(stages: Any, stage: str) -> None:
    assert_passes_policies(
        stages[stage].run,
        judged=(
            "pci-account-s3-public-access-block",
            "pci-account-ebs-encryption",
            "pci-account-guardduty",
            "pci-account-securityhub-pci",
            "pci-account-config",
            "pci-account-access-analyzer",
            "pci-firehose-sse",
            "pci-firehose-destination-kms",
            "pci-sns-kms",
        ),
    )
