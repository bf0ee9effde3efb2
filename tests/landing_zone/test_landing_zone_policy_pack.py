"""The PCI policy pack, run offline through the engine's analyzer path, passes the org stack."""

from __future__ import annotations

from typing import Any

from recorded_runs import assert_passes_policies


def test_org_stack_passes_every_policy_with_no_unknowns(org: Any) -> None:
    assert_passes_policies(
        org.run,
        judged=(
            "pci-org-trail",
            "pci-scp-workload-ous",
            "pci-trail-bucket-object-lock",
            "pci-trail-bucket-lifecycle",
            "pci-trail-bucket-access-logging",
            "pci-s3-tls-only",
            "pci-kms-rotation",
        ),
    )
