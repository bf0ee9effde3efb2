"""Settings of the stage stacks (dev, staging, prod): network, logs, Aurora, DR targets."""

from __future__ import annotations

from typing import Annotated, Literal

from pcizone.config.fields import Cidr, ConfigModel, LogRetentionDays, Region, between
from pcizone.config.org_settings import RoleName


class AccountAccess(ConfigModel):
    """How the stage stack reaches its member account (the id comes from the org stack)."""

    assume_role_name: RoleName = "OrganizationAccountAccessRole"


class NetworkSettings(ConfigModel):
    cidr: Cidr
    az_count: Annotated[int, between(2, 3)] = 2


class LogSettings(ConfigModel):
    retention_days: LogRetentionDays = 400


class ServerlessCapacity(ConfigModel):
    min_acu: Annotated[float, between(0, 256)] = 0.5
    max_acu: Annotated[float, between(1, 256)] = 4


class AuroraSettings(ConfigModel):
    engine_version: str = "16.4"
    instance_class: str = "db.r6g.large"
    instance_count: Annotated[int, between(1, 15)] = 2
    serverless: ServerlessCapacity | None = None
    backup_retention_days: Annotated[int, between(7, 35)] = 7
    deletion_protection: bool = True
    performance_insights_retention_days: Literal[7, 731] = 7
    preferred_backup_window: str = "02:00-03:00"


class DrSettings(ConfigModel):
    """Disaster recovery: the secondary region (prod) and the drill targets (PCI DSS 12.10.2)."""

    region: Region | None = None
    rto_seconds: Annotated[float, between(0.001, 86_400)] = 120
    rpo_seconds: Annotated[float, between(0, 86_400)] = 5
    rpo_commits: Annotated[int, between(0, 1_000_000)] = 10
    allow_prod_drills: bool = False


class BackupSettings(ConfigModel):
    schedule: str = "cron(0 3 * * ? *)"
    retention_days: Annotated[int, between(7, 3650)] = 35
    cross_region_copy: bool = False
