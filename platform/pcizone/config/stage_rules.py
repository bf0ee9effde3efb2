"""Rules that depend on which stage a stack is, not only on its own values."""

from __future__ import annotations

from pcizone.config.models import DeveloperConfig, OrgConfig, StackConfig, StageConfig
from pcizone.config.stack_names import StackIdentity

_PROD_BACKUP_DAYS = 35


def stage_problems(identity: StackIdentity, config: StackConfig) -> list[tuple[str, str]]:
    """(key path, message) for every rule the stack's stage imposes and the config breaks."""
    if isinstance(config, OrgConfig | DeveloperConfig):
        return []
    problems: list[tuple[str, str]] = []
    stage = identity.stage
    aurora = config.aurora
    if stage in {"staging", "prod"}:
        if not aurora.deletion_protection:
            problems.append(
                ("pcizone:aurora.deletionProtection", f"must be true in {stage}, got false")
            )
        if config.payments is None:
            problems.append(("pcizone:payments", f"is required in {stage}, which runs payments"))
    if stage == "dev" and config.payments is not None:
        problems.append(
            ("pcizone:payments", "must not be set on dev: payments run in dev-<name> stacks")
        )
    if stage == "prod":
        if aurora.backup_retention_days != _PROD_BACKUP_DAYS:
            problems.append(
                (
                    "pcizone:aurora.backupRetentionDays",
                    f"must be {_PROD_BACKUP_DAYS} in prod, got {aurora.backup_retention_days}",
                )
            )
        if config.network.az_count != 3:
            problems.append(
                ("pcizone:network.azCount", f"must be 3 in prod, got {config.network.az_count}")
            )
        if config.dr.region is None:
            problems.append(("pcizone:dr.region", "is required in prod (the DR region)"))
        if aurora.serverless is not None:
            problems.append(
                ("pcizone:aurora.serverless", "must not be set in prod (provisioned instances)")
            )
    problems.extend(_backup_problems(config))
    if stage != "prod" and config.dr.allow_prod_drills:
        problems.append(("pcizone:dr.allowProdDrills", "only applies to prod"))
    if (
        isinstance(config, StageConfig)
        and config.payments is not None
        and config.payments.processor.kind == "stripe"
        and config.processor_api_key is None
    ):
        problems.append(
            ("pcizone:processorApiKey", "is required when payments.processor.kind is 'stripe'")
        )
    return problems


def _backup_problems(config: StageConfig) -> list[tuple[str, str]]:
    if config.backup.cross_region_copy and config.dr.region is None:
        return [("pcizone:backup.crossRegionCopy", "needs pcizone:dr.region (where the copies go)")]
    return []
