"""The AWS Organization, its OUs and the member accounts (management account)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.config.models import OrgConfig
from pcizone.core.context import StackContext
from pcizone.core.naming import DataClass

# Services that act for the whole organization (trusted access).
SERVICE_ACCESS_PRINCIPALS = (
    "access-analyzer.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "config.amazonaws.com",
    "guardduty.amazonaws.com",
    "securityhub.amazonaws.com",
    "sso.amazonaws.com",
)

# Account key (as in pcizone:organization.accounts) -> the OU it lives in.
ACCOUNT_OUS = {
    "logArchive": "security",
    "security": "security",
    "dev": "nonprod",
    "staging": "nonprod",
    "prod": "prod",
}
WORKLOAD_ACCOUNTS = ("dev", "staging", "prod")


@dataclass(frozen=True)
class OrganizationUnits:
    security: aws.organizations.OrganizationalUnit
    workloads: aws.organizations.OrganizationalUnit
    nonprod: aws.organizations.OrganizationalUnit
    prod: aws.organizations.OrganizationalUnit
    quarantine: aws.organizations.OrganizationalUnit

    def by_key(self) -> dict[str, aws.organizations.OrganizationalUnit]:
        return {
            "security": self.security,
            "workloads": self.workloads,
            "nonprod": self.nonprod,
            "prod": self.prod,
            "quarantine": self.quarantine,
        }


class Organization(pulumi.ComponentResource):
    """Organization with all features, OUs Security, Workloads/{NonProd,Prod}, Quarantine."""

    organization: aws.organizations.Organization
    root_id: pulumi.Output[str]
    ous: OrganizationUnits
    accounts: dict[str, aws.organizations.Account]

    def __init__(
        self,
        name: str,
        ctx: StackContext[OrgConfig],
        provider: aws.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:landing_zone:Organization", name, None, opts)
        settings = ctx.config.organization
        # Protected: deleting the organization or an account is never a side effect of a diff.
        child = pulumi.ResourceOptions(parent=self, provider=provider, protect=True)
        self.organization = aws.organizations.Organization(
            "organization",
            feature_set="ALL",
            aws_service_access_principals=list(SERVICE_ACCESS_PRINCIPALS),
            enabled_policy_types=["SERVICE_CONTROL_POLICY"],
            opts=child,
        )
        self.root_id = self.organization.roots.apply(lambda roots: str(roots[0].id))

        def ou(
            key: str, title: str, parent_id: pulumi.Input[str]
        ) -> aws.organizations.OrganizationalUnit:
            return aws.organizations.OrganizationalUnit(
                f"ou-{key}",
                name=title,
                parent_id=parent_id,
                tags=ctx.naming.tags(DataClass.INTERNAL, component="organization"),
                opts=child,
            )

        workloads = ou("workloads", "Workloads", self.root_id)
        self.ous = OrganizationUnits(
            security=ou("security", "Security", self.root_id),
            workloads=workloads,
            nonprod=ou("nonprod", "NonProd", workloads.id),
            prod=ou("prod", "Prod", workloads.id),
            quarantine=ou("quarantine", "Quarantine", self.root_id),
        )
        ous = self.ous.by_key()
        self.accounts = {}
        for key, spec in settings.accounts.by_key().items():
            self.accounts[key] = aws.organizations.Account(
                f"account-{key}",
                name=spec.name,
                email=str(spec.email),
                parent_id=ous[ACCOUNT_OUS[key]].id,
                role_name=settings.member_role_name,
                iam_user_access_to_billing="DENY",
                close_on_deletion=False,
                create_govcloud=False,
                tags=ctx.naming.tags(DataClass.INTERNAL, component="organization"),
                opts=child,
            )
        self.register_outputs({"organizationId": self.organization.id})

    def account_ids(self) -> dict[str, pulumi.Output[str]]:
        return {key: account.id for key, account in self.accounts.items()}
