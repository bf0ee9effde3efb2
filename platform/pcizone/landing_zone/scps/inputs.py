"""What a guardrail is, and the organization facts its documents depend on."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pcizone.landing_zone.documents import Document, role_arn


class Placement(enum.StrEnum):
    """Where a guardrail is attached; every member account inherits it from there.

    AWS allows five SCPs per root, OU or account, one of them FullAWSAccess, so the guardrails
    are spread over the root, the top-level OUs and the OUs (or accounts) below them.
    """

    ROOT = "root"
    TOP_LEVEL = "top-level"  # Security and Workloads OUs
    LEAF = "leaf"  # Workloads/NonProd, Workloads/Prod and the Security OU's accounts
    QUARANTINE = "quarantine"  # the Quarantine OU only


@dataclass(frozen=True)
class Guardrail:
    key: str  # short name, part of the policy name
    description: str  # cites the PCI DSS v4.0.1 requirement it serves (max 512 characters)
    document: Document
    placement: Placement


@dataclass(frozen=True)
class GuardrailInputs:
    allowed_regions: tuple[str, ...]
    platform_role: str  # the only role that may disable or delete KMS keys
    deployer_roles: tuple[str, ...]  # roles that deploy the baseline settings guardrails protect
    # Name patterns of the log archive buckets (their names end in the log-archive account id,
    # which is unknown until the account exists; the pattern keeps the SCP known at preview).
    log_bucket_patterns: tuple[str, ...]

    def deployer_arns(self) -> list[str]:
        return [role_arn("*", name) for name in self.deployer_roles]

    def log_bucket_arns(self) -> list[str]:
        arns: list[str] = []
        for pattern in self.log_bucket_patterns:
            arns += [f"arn:aws:s3:::{pattern}", f"arn:aws:s3:::{pattern}/*"]
        return arns
