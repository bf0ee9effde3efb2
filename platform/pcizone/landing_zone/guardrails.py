"""The guardrail SCPs as Organizations policies, attached so every member account inherits all."""

from __future__ import annotations

from collections import Counter

import pulumi
import pulumi_aws as aws

from pcizone.config.models import OrgConfig
from pcizone.core.context import StackContext
from pcizone.core.naming import DataClass
from pcizone.landing_zone.documents import render
from pcizone.landing_zone.github_policies import GHA_DEPLOY_ROLE
from pcizone.landing_zone.iam_grammar import DocumentKind
from pcizone.landing_zone.log_archive import access_log_bucket_pattern, archive_bucket_pattern
from pcizone.landing_zone.organization import Organization
from pcizone.landing_zone.scps import Guardrail, GuardrailInputs, Placement, guardrails, quarantine

COMPONENT = "guardrails"
# AWS attaches FullAWSAccess to every target and allows five SCPs per target.
MAX_GUARDRAILS_PER_TARGET = 4


def guardrail_inputs(ctx: StackContext[OrgConfig]) -> GuardrailInputs:
    settings = ctx.config.organization
    return GuardrailInputs(
        allowed_regions=tuple(settings.allowed_regions),
        platform_role=settings.platform_role_name,
        deployer_roles=(settings.member_role_name, GHA_DEPLOY_ROLE),
        log_bucket_patterns=(archive_bucket_pattern(ctx), access_log_bucket_pattern(ctx)),
    )


def all_guardrails(ctx: StackContext[OrgConfig]) -> list[Guardrail]:
    return [*guardrails(guardrail_inputs(ctx)), quarantine()]


class Guardrails(pulumi.ComponentResource):
    policies: dict[str, aws.organizations.Policy]

    def __init__(
        self,
        name: str,
        ctx: StackContext[OrgConfig],
        provider: aws.Provider,
        *,
        organization: Organization,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:landing_zone:Guardrails", name, None, opts)
        # Organizations refuses policies and attachments until the organization exists (and
        # SCPs until their policy type is enabled, which creating the organization does).
        child = pulumi.ResourceOptions(
            parent=self, provider=provider, depends_on=[organization.organization]
        )
        ous, accounts = organization.ous, organization.accounts
        targets: dict[Placement, list[tuple[str, pulumi.Input[str]]]] = {
            Placement.ROOT: [("root", organization.root_id)],
            Placement.TOP_LEVEL: [("security", ous.security.id), ("workloads", ous.workloads.id)],
            Placement.LEAF: [
                ("nonprod", ous.nonprod.id),
                ("prod", ous.prod.id),
                ("log-archive", accounts["logArchive"].id),
                ("security-account", accounts["security"].id),
            ],
            Placement.QUARANTINE: [("quarantine", ous.quarantine.id)],
        }
        chosen = all_guardrails(ctx)
        per_target = Counter(t for g in chosen for t, _ in targets[g.placement])
        crowded = [t for t, n in per_target.items() if n > MAX_GUARDRAILS_PER_TARGET]
        if crowded:
            raise ValueError(f"more than {MAX_GUARDRAILS_PER_TARGET} guardrails on {crowded}")
        self.policies = {}
        for guardrail in chosen:
            policy = aws.organizations.Policy(
                f"scp-{guardrail.key}",
                name=ctx.naming.name("scp", guardrail.key, max_len=128),
                description=guardrail.description,
                type="SERVICE_CONTROL_POLICY",
                content=render(guardrail.document, DocumentKind.SCP, f"SCP {guardrail.key}"),
                skip_destroy=False,
                tags=ctx.naming.tags(DataClass.INTERNAL, component=COMPONENT),
                opts=child,
            )
            self.policies[guardrail.key] = policy
            for target, target_id in targets[guardrail.placement]:
                aws.organizations.PolicyAttachment(
                    f"scp-{guardrail.key}-{target}",
                    policy_id=policy.id,
                    target_id=target_id,
                    skip_destroy=False,
                    opts=child,
                )
        self.register_outputs({})
