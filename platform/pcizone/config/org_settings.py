"""Settings of the org stack: organization, member accounts, log archive, GitHub OIDC."""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator

from pcizone.config.fields import ConfigModel, Email, Region, at_least, between, field_issue

_ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{1,49}$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_ROLE_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,64}$")
# A git branch name without wildcards or spaces: it becomes part of the OIDC subject that the
# org stack's deploy role trusts, which must name exactly one branch.
_BRANCH = re.compile(r"^(?!/)(?!.*//)(?!.*\.\.)[A-Za-z0-9._/-]{1,100}(?<!/)$")


def _account_name(value: str) -> str:
    if not _ACCOUNT_NAME.fullmatch(value):
        raise ValueError(f"must be 2-50 letters, digits, spaces or ._- characters, got {value!r}")
    return value


def _role_name(value: str) -> str:
    if not _ROLE_NAME.fullmatch(value):
        raise ValueError(f"must be a valid IAM role name, got {value!r}")
    return value


RoleName = Annotated[str, AfterValidator(_role_name)]


class AccountSpec(ConfigModel):
    name: Annotated[str, AfterValidator(_account_name)]
    email: Email


class MemberAccounts(ConfigModel):
    log_archive: AccountSpec
    security: AccountSpec
    dev: AccountSpec
    staging: AccountSpec
    prod: AccountSpec

    def by_key(self) -> dict[str, AccountSpec]:
        return {
            "logArchive": self.log_archive,
            "security": self.security,
            "dev": self.dev,
            "staging": self.staging,
            "prod": self.prod,
        }

    @model_validator(mode="after")
    def _unique(self) -> Self:
        seen: dict[str, str] = {}
        for key, spec in self.by_key().items():
            email = spec.email.lower()
            if email in seen:
                raise field_issue(
                    f"{key}.email", f"duplicates the email of {seen[email]}: {spec.email}"
                )
            seen[email] = key
        return self


class OrganizationSettings(ConfigModel):
    allowed_regions: Annotated[list[Region], Field(min_length=1)]
    accounts: MemberAccounts
    member_role_name: RoleName = "OrganizationAccountAccessRole"
    platform_role_name: RoleName = "pcizone-platform"

    @model_validator(mode="after")
    def _unique_regions(self) -> Self:
        if len(set(self.allowed_regions)) != len(self.allowed_regions):
            raise field_issue("allowedRegions", "lists a region twice")
        return self


class LogArchiveSettings(ConfigModel):
    """PCI DSS 10.5.1: 12 months of audit logs, the last three immediately available."""

    retention_days: Annotated[int, at_least(365)] = 400
    object_lock_days: Annotated[int, between(1, 3650)] = 365
    instant_retrieval_after_days: Annotated[int, at_least(90)] = 90
    deep_archive_after_days: Annotated[int, at_least(180)] = 365

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.object_lock_days > self.retention_days:
            raise field_issue(
                "objectLockDays",
                f"must not exceed retentionDays ({self.retention_days}),"
                f" got {self.object_lock_days}",
            )
        if self.deep_archive_after_days <= self.instant_retrieval_after_days:
            raise field_issue(
                "deepArchiveAfterDays",
                "must be later than instantRetrievalAfterDays"
                f" ({self.instant_retrieval_after_days}), got {self.deep_archive_after_days}",
            )
        if self.deep_archive_after_days >= self.retention_days:
            raise field_issue(
                "deepArchiveAfterDays",
                f"must be earlier than retentionDays ({self.retention_days}),"
                f" got {self.deep_archive_after_days}",
            )
        return self


class GitHubSettings(ConfigModel):
    repository: str
    deploy_branch: str = "main"

    @model_validator(mode="after")
    def _repo(self) -> Self:
        if not _REPOSITORY.fullmatch(self.repository):
            raise field_issue("repository", f"must be 'owner/name', got {self.repository!r}")
        if not _BRANCH.fullmatch(self.deploy_branch):
            raise field_issue(
                "deployBranch",
                f"must be one branch name (letters, digits, ._/-), got {self.deploy_branch!r}",
            )
        return self


class AlertSettings(ConfigModel):
    emails: Annotated[list[Email], Field(min_length=1)]
