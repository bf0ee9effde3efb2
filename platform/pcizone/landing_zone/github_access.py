"""Which GitHub Actions roles each account gets (docs/gitops.md is the other half)."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from pcizone.config.models import OrgConfig
from pcizone.config.stack_names import STAGES
from pcizone.core.context import StackContext
from pcizone.landing_zone.github_oidc import GitHubAccess, deploy_role, preview_role, review_role
from pcizone.landing_zone.github_policies import (
    ORG_ENVIRONMENT,
    REVIEW_ENVIRONMENT,
    deploy_subjects,
    org_deploy_policy,
    preview_policy,
    preview_subjects,
    workload_deploy_policy,
)
from pcizone.landing_zone.github_review_policy import review_policy

MANAGEMENT = "management"
REVIEW_ACCOUNT = "dev"  # review stacks (pr-<n>) live in the dev account


def github_access(
    ctx: StackContext[OrgConfig],
    management: aws.Provider,
    providers: dict[str, aws.Provider],
    management_id: pulumi.Output[str],
    account_ids: dict[str, pulumi.Output[str]],
) -> dict[str, GitHubAccess]:
    """One GitHubAccess per account a stack deploys into: management (org) and each stage."""
    github = ctx.config.github
    member_role = ctx.config.organization.member_role_name
    previews = preview_subjects(github.repository, deploy_branch=github.deploy_branch)
    access = {
        MANAGEMENT: GitHubAccess(
            f"github-{MANAGEMENT}",
            ctx.naming,
            management,
            account_id=management_id,
            management_account_id=management_id,
            roles=[
                deploy_role(
                    deploy_subjects(github.repository, ORG_ENVIRONMENT),
                    lambda account, _mgmt: org_deploy_policy(account, member_role),
                ),
                preview_role(
                    previews, lambda account, mgmt: preview_policy(account, mgmt, workload=False)
                ),
            ],
        )
    }
    for stage in STAGES:
        roles = [
            deploy_role(deploy_subjects(github.repository, stage), workload_deploy_policy),
            preview_role(
                previews, lambda account, mgmt: preview_policy(account, mgmt, workload=True)
            ),
        ]
        if stage == REVIEW_ACCOUNT:
            roles.append(
                review_role(deploy_subjects(github.repository, REVIEW_ENVIRONMENT), review_policy)
            )
        access[stage] = GitHubAccess(
            f"github-{stage}",
            ctx.naming,
            providers[stage],
            account_id=account_ids[stage],
            management_account_id=management_id,
            roles=roles,
        )
    return access
