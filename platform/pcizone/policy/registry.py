"""Every policy of the pack, in a stable order, with lookups and metadata checks."""

from __future__ import annotations

import functools

from pcizone.policy.requirements import SECTIONS
from pcizone.policy.rules import (
    account,
    apigateway,
    aurora,
    backup,
    cloudtrail,
    firehose,
    iam,
    kms,
    lambda_functions,
    logs,
    network,
    organizations,
    s3,
    secrets,
    sns,
    sqs,
    trail_bucket,
)
from pcizone.policy.spec import PolicySpec

PACK_NAME = "pcizone-pci-dss"
PACK_VERSION = "1.0.0"
FRAMEWORK = "PCI DSS"
FRAMEWORK_VERSION = "4.0.1"

_MODULES = (
    organizations,
    cloudtrail,
    trail_bucket,
    s3,
    logs,
    kms,
    iam,
    lambda_functions,
    sqs,
    aurora,
    backup,
    account,
    firehose,
    secrets,
    sns,
    network,
    apigateway,
)


@functools.cache
def all_policies() -> tuple[PolicySpec, ...]:
    """Every policy, module by module in the order above, each module in declaration order."""
    found: list[PolicySpec] = []
    for module in _MODULES:
        found.extend(v for v in vars(module).values() if isinstance(v, PolicySpec))
    _check(found)
    return tuple(found)


def by_id() -> dict[str, PolicySpec]:
    return {p.id: p for p in all_policies()}


def _check(policies: list[PolicySpec]) -> None:
    seen: set[str] = set()
    for policy in policies:
        if policy.id in seen:
            raise ValueError(f"duplicate policy id {policy.id}")
        seen.add(policy.id)
        unknown = [r for r in policy.requirements if r not in SECTIONS]
        if unknown:
            raise ValueError(f"policy {policy.id} cites unknown PCI DSS sections {unknown}")
