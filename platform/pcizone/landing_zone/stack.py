"""Composes the org stack: organization, log archive, trail, guardrails, security services and
GitHub access; returns the outputs other stacks read."""

from __future__ import annotations

from typing import Any

import pulumi

from pcizone.config.models import OrgConfig
from pcizone.config.stack_names import STAGES
from pcizone.core.context import StackContext
from pcizone.core.providers import management_provider
from pcizone.landing_zone.github_access import github_access
from pcizone.landing_zone.guardrails import Guardrails
from pcizone.landing_zone.log_archive import AUDITOR_ROLE, LogArchive
from pcizone.landing_zone.log_archive_policies import ArchiveFacts
from pcizone.landing_zone.member_providers import member_providers
from pcizone.landing_zone.organization import Organization
from pcizone.landing_zone.security_services import SecurityServices
from pcizone.landing_zone.trail import OrganizationTrail, trail_name
from pcizone.landing_zone.trail_policies import trail_arn
from pcizone.log_pipeline.names import stage_delivery_role_name


def archive_facts(
    ctx: StackContext[OrgConfig], org: Organization, management_account_id: pulumi.Output[str]
) -> pulumi.Output[ArchiveFacts]:
    ids = org.account_ids()
    region = ctx.config.region

    def build(values: dict[str, Any]) -> ArchiveFacts:
        log_archive_id = str(values["logArchive"])
        return ArchiveFacts(
            region=region,
            organization_id=str(values["organization"]),
            management_account_id=str(values["management"]),
            log_archive_account_id=log_archive_id,
            workload_account_ids={stage: str(values[stage]) for stage in STAGES},
            delivery_role_names={stage: stage_delivery_role_name(stage) for stage in STAGES},
            trail_arn=trail_arn(region, str(values["management"]), trail_name(ctx)),
            bucket_name=ctx.naming.name("log-archive", log_archive_id, max_len=63),
            access_log_bucket_name=ctx.naming.name("access-logs", log_archive_id, max_len=63),
            auditor_role_name=AUDITOR_ROLE,
        )

    return pulumi.Output.all(
        organization=org.organization.id,
        management=management_account_id,
        logArchive=ids["logArchive"],
        **{stage: ids[stage] for stage in STAGES},
    ).apply(build)


def build_landing_zone(ctx: StackContext[OrgConfig]) -> dict[str, Any]:
    """Declare the org stack's resources; returns its stack outputs (names are a contract)."""
    settings = ctx.config.organization
    management = management_provider(ctx.naming, ctx.config.region)
    org = Organization("organization", ctx, management)
    ids = org.account_ids()
    providers = member_providers(ctx, ids)
    management_id = org.organization.master_account_id
    archive = LogArchive(
        "log-archive",
        ctx,
        providers["logArchive"],
        facts=archive_facts(ctx, org, management_id),
        security_account_id=ids["security"],
    )
    trail = OrganizationTrail(
        "organization-trail",
        ctx,
        management,
        organization=org.organization,
        management_account_id=management_id,
        archive=archive,
    )
    Guardrails("guardrails", ctx, management, organization=org)
    security = SecurityServices(
        "security-services",
        ctx,
        management=management,
        security=providers["security"],
        organization=org.organization,
        security_account_id=ids["security"],
        management_account_id=management_id,
        workload_account_ids=[ids[stage] for stage in STAGES],
    )
    access = github_access(ctx, management, providers, management_id, ids)
    return {
        "region": ctx.config.region,
        "organizationId": org.organization.id,
        "organizationRootId": org.root_id,
        "managementAccountId": management_id,
        "accountIds": ids,
        "accountEmails": {k: str(v.email) for k, v in settings.accounts.by_key().items()},
        "ouIds": {key: ou.id for key, ou in org.ous.by_key().items()},
        "memberRoleName": settings.member_role_name,
        "platformRoleName": settings.platform_role_name,
        "logArchiveBucketName": archive.archive.bucket.bucket,
        "logArchiveBucketArn": archive.archive.bucket.arn,
        "logArchiveKeyArn": archive.key.arn,
        "accessLogBucketName": archive.access_logs.bucket.bucket,
        "trailArn": trail.trail.arn,
        "trailLogGroupName": trail.log_group.name,
        "securityAlertsTopicArn": trail.alerts.arn,
        "securityEnrollmentRoleArn": security.enrollment_role.arn,
        "guardDutyAdminDetectorIds": {r: d.id for r, d in security.detectors.items()},
        "githubOidcProviderArns": {key: a.provider_arn for key, a in access.items()},
        "ghaRoleArns": {key: a.role_arns() for key, a in access.items()},
    }
