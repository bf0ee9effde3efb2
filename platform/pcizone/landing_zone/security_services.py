"""The security account as delegated administrator of GuardDuty, Security Hub and IAM Access
Analyzer, in every allowed region, with its own detector, hub and an organization analyzer.

Workload accounts enable their own detector and hub in their baseline, then the security
account takes them in as members (baseline/regional.py). Auto-enable stays off here: if
GuardDuty or Security Hub enabled the accounts first, their baselines could not.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from pcizone.baseline.threat_detection import guardduty_detector, security_hub
from pcizone.config.models import OrgConfig
from pcizone.core.context import StackContext
from pcizone.core.naming import DataClass, PrincipalType
from pcizone.landing_zone.documents import render
from pcizone.landing_zone.enrollment_role import (
    ENROLLMENT_ROLE,
    enrollment_permissions,
    enrollment_trust,
)
from pcizone.landing_zone.iam_grammar import DocumentKind

COMPONENT = "security-services"


class SecurityServices(pulumi.ComponentResource):
    detectors: dict[str, aws.guardduty.Detector]  # region -> the security account's detector
    enrollment_role: aws.iam.Role

    def __init__(
        self,
        name: str,
        ctx: StackContext[OrgConfig],
        *,
        management: aws.Provider,
        security: aws.Provider,
        organization: aws.organizations.Organization,
        security_account_id: pulumi.Output[str],
        management_account_id: pulumi.Output[str],
        workload_account_ids: list[pulumi.Output[str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:landing_zone:SecurityServices", name, None, opts)
        self.enrollment_role = self._enrollment_role(
            ctx, security, security_account_id, management_account_id, workload_account_ids
        )
        analyzer_admin = aws.organizations.DelegatedAdministrator(
            "access-analyzer-admin",
            account_id=security_account_id,
            service_principal="access-analyzer.amazonaws.com",
            opts=pulumi.ResourceOptions(
                parent=self, provider=management, depends_on=[organization]
            ),
        )
        self.detectors = {}
        for region in ctx.config.organization.allowed_regions:
            self.detectors[region] = self._region(
                ctx, region, management, security, organization, security_account_id, analyzer_admin
            )
        self.register_outputs({})

    def _enrollment_role(
        self,
        ctx: StackContext[OrgConfig],
        security: aws.Provider,
        security_account_id: pulumi.Output[str],
        management_account_id: pulumi.Output[str],
        workload_account_ids: list[pulumi.Output[str]],
    ) -> aws.iam.Role:
        opts = pulumi.ResourceOptions(parent=self, provider=security)
        trust = pulumi.Output.all(management_account_id, *workload_account_ids).apply(
            lambda ids: render(
                enrollment_trust(ids[0], list(ids[1:])), DocumentKind.TRUST, "enrolment trust"
            )
        )
        role = aws.iam.Role(
            "security-enrollment",
            name=ENROLLMENT_ROLE,
            description="Stage stacks enrol their account as GuardDuty and Security Hub members",
            assume_role_policy=trust,
            max_session_duration=3600,
            tags=ctx.naming.tags(
                DataClass.INTERNAL, component=COMPONENT, principal=PrincipalType.PIPELINE
            ),
            opts=opts,
        )
        aws.iam.RolePolicy(
            "security-enrollment",
            role=role.name,
            policy=security_account_id.apply(
                lambda a: render(enrollment_permissions(a), DocumentKind.IDENTITY, "enrolment")
            ),
            opts=opts,
        )
        return role

    def _region(
        self,
        ctx: StackContext[OrgConfig],
        region: str,
        management: aws.Provider,
        security: aws.Provider,
        organization: aws.organizations.Organization,
        security_account_id: pulumi.Output[str],
        analyzer_admin: aws.organizations.DelegatedAdministrator,
    ) -> aws.guardduty.Detector:
        sfx = f"-{region}"

        def in_security(*after: pulumi.Resource) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, provider=security, depends_on=list(after))

        def in_management(*after: pulumi.Resource) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(
                parent=self, provider=management, depends_on=[organization, *after]
            )

        # The security account's own detector and hub exist before it becomes administrator.
        detector = guardduty_detector(
            f"security-detector{sfx}",
            ctx.naming,
            component=COMPONENT,
            opts=in_security(),
            region=region,
        )
        hub = security_hub(f"security-hub{sfx}", opts=in_security(), region=region)
        guardduty_admin = aws.guardduty.OrganizationAdminAccount(
            f"guardduty-admin{sfx}",
            region=region,
            admin_account_id=security_account_id,
            opts=in_management(detector),
        )
        securityhub_admin = aws.securityhub.OrganizationAdminAccount(
            f"securityhub-admin{sfx}",
            region=region,
            admin_account_id=security_account_id,
            opts=in_management(hub),
        )
        aws.guardduty.OrganizationConfiguration(
            f"guardduty-organization{sfx}",
            region=region,
            detector_id=detector.id,
            auto_enable_organization_members="NONE",
            opts=in_security(guardduty_admin),
        )
        aws.securityhub.OrganizationConfiguration(
            f"securityhub-organization{sfx}",
            region=region,
            auto_enable=False,
            auto_enable_standards="NONE",
            organization_configuration=aws.securityhub.OrganizationConfigurationOrganizationConfigurationArgs(
                configuration_type="LOCAL"
            ),
            opts=in_security(securityhub_admin),
        )
        aws.accessanalyzer.Analyzer(
            f"organization-analyzer{sfx}",
            region=region,
            analyzer_name=ctx.naming.name("organization-analyzer"),
            type="ORGANIZATION",
            tags=ctx.naming.tags(DataClass.INTERNAL, component=COMPONENT),
            opts=in_security(analyzer_admin),
        )
        return detector
