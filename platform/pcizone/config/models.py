"""The top-level config of each stack kind, keyed exactly as in Pulumi.<stack>.yaml."""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import AfterValidator, Field, SecretStr, model_validator

from pcizone.config.fields import ConfigModel, Email, Region, field_issue
from pcizone.config.org_settings import (
    AlertSettings,
    GitHubSettings,
    LogArchiveSettings,
    OrganizationSettings,
)
from pcizone.config.payments_settings import PaymentsSettings
from pcizone.config.stage_settings import (
    AccountAccess,
    AuroraSettings,
    BackupSettings,
    DrSettings,
    LogSettings,
    NetworkSettings,
)

_COST_CENTRE = re.compile(r"^[A-Za-z0-9-]{2,32}$")
_PULUMI_ORG = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


def _cost_centre(value: str) -> str:
    if not _COST_CENTRE.fullmatch(value):
        raise ValueError(f"must be 2-32 letters, digits or dashes, got {value!r}")
    return value


def _pulumi_org(value: str) -> str:
    if not _PULUMI_ORG.fullmatch(value):
        raise ValueError(f"must be a Pulumi organization name, got {value!r}")
    return value


class StackConfigBase(ConfigModel):
    region: Region = Field(alias="aws:region")
    owner: Email = Field(alias="pcizone:owner")
    cost_centre: Annotated[str, AfterValidator(_cost_centre)] = Field(alias="pcizone:costCentre")
    pulumi_org: Annotated[str, AfterValidator(_pulumi_org)] = Field(
        "organization", alias="pcizone:pulumiOrg"
    )


class OrgConfig(StackConfigBase):
    organization: OrganizationSettings = Field(alias="pcizone:organization")
    log_archive: LogArchiveSettings = Field(LogArchiveSettings(), alias="pcizone:logArchive")
    github: GitHubSettings = Field(alias="pcizone:github")
    alerts: AlertSettings = Field(alias="pcizone:alerts")

    @model_validator(mode="after")
    def _home_region_allowed(self) -> Self:
        if self.region not in self.organization.allowed_regions:
            raise field_issue(
                "pcizone:organization.allowedRegions",
                f"must include the stack's own region aws:region ({self.region})",
            )
        return self


class StageConfig(StackConfigBase):
    account: AccountAccess = Field(AccountAccess(), alias="pcizone:account")
    network: NetworkSettings = Field(alias="pcizone:network")
    logs: LogSettings = Field(LogSettings(), alias="pcizone:logs")
    aurora: AuroraSettings = Field(alias="pcizone:aurora")
    backup: BackupSettings = Field(BackupSettings(), alias="pcizone:backup")
    dr: DrSettings = Field(DrSettings(), alias="pcizone:dr")
    alerts: AlertSettings = Field(alias="pcizone:alerts")
    payments: PaymentsSettings | None = Field(None, alias="pcizone:payments")
    processor_api_key: SecretStr | None = Field(None, alias="pcizone:processorApiKey")

    @model_validator(mode="after")
    def _dr_region(self) -> Self:
        if self.dr.region is not None and self.dr.region == self.region:
            raise field_issue("pcizone:dr.region", f"must differ from aws:region ({self.region})")
        return self


class DeveloperConfig(StackConfigBase):
    payments: PaymentsSettings = Field(PaymentsSettings(), alias="pcizone:payments")
    dr: DrSettings = Field(DrSettings(), alias="pcizone:dr")
    processor_api_key: SecretStr | None = Field(None, alias="pcizone:processorApiKey")

    @model_validator(mode="after")
    def _processor_key(self) -> Self:
        if self.payments.processor.kind == "stripe" and self.processor_api_key is None:
            raise field_issue(
                "pcizone:processorApiKey", "is required when payments.processor.kind is 'stripe'"
            )
        return self


StackConfig = OrgConfig | StageConfig | DeveloperConfig
