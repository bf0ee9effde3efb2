"""GitHub Actions' OIDC identity provider and the deploy, preview (and review) roles of one
account."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming, PrincipalType
from pcizone.landing_zone.documents import Document, render
from pcizone.landing_zone.github_policies import (
    GHA_DEPLOY_ROLE,
    GHA_PREVIEW_ROLE,
    GHA_REVIEW_ROLE,
    GITHUB_AUDIENCE,
    GITHUB_OIDC_URL,
    GITHUB_THUMBPRINTS,
    READ_ONLY_POLICY,
    github_trust,
)
from pcizone.landing_zone.iam_grammar import DocumentKind

COMPONENT = "github-actions"
SESSION_SECONDS = 3600

# A permission document from (this account's id, the management account's id).
PolicyBuilder = Callable[[str, str], Document]


@dataclass(frozen=True)
class RoleSpec:
    suffix: str  # part of the resource names
    role_name: str
    purpose: str
    subjects: list[str]  # OIDC token subjects the role trusts
    policy: PolicyBuilder
    read_only: bool  # also gets AWS's ReadOnlyAccess


def deploy_role(subjects: list[str], policy: PolicyBuilder) -> RoleSpec:
    return RoleSpec("deploy", GHA_DEPLOY_ROLE, "GitHub Actions deploys", subjects, policy, False)


def preview_role(subjects: list[str], policy: PolicyBuilder) -> RoleSpec:
    return RoleSpec(
        "preview", GHA_PREVIEW_ROLE, "GitHub Actions previews (read-only)", subjects, policy, True
    )


def review_role(subjects: list[str], policy: PolicyBuilder) -> RoleSpec:
    return RoleSpec(
        "review", GHA_REVIEW_ROLE, "GitHub Actions review stacks (pr-*)", subjects, policy, True
    )


class GitHubAccess(pulumi.ComponentResource):
    provider_arn: pulumi.Output[str]
    roles: dict[str, aws.iam.Role]

    def __init__(
        self,
        name: str,
        naming: Naming,
        provider: aws.Provider,
        *,
        account_id: pulumi.Input[str],
        management_account_id: pulumi.Input[str],
        roles: list[RoleSpec],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:landing_zone:GitHubAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc",
            url=GITHUB_OIDC_URL,
            client_id_lists=[GITHUB_AUDIENCE],
            thumbprint_lists=list(GITHUB_THUMBPRINTS),
            tags=naming.tags(DataClass.INTERNAL, component=COMPONENT),
            opts=child,
        )
        self.provider_arn = oidc.arn
        accounts = pulumi.Output.all(account_id, management_account_id)
        self.roles = {}
        for spec in roles:
            self.roles[spec.suffix] = self._role(name, naming, spec, oidc, accounts, child)
        self.register_outputs({"providerArn": oidc.arn})

    def _role(
        self,
        name: str,
        naming: Naming,
        spec: RoleSpec,
        oidc: aws.iam.OpenIdConnectProvider,
        accounts: pulumi.Output[list[str]],
        opts: pulumi.ResourceOptions,
    ) -> aws.iam.Role:
        trust = pulumi.Output.all(oidc.arn, accounts).apply(
            lambda v: render(
                github_trust(v[0], v[1][0], spec.role_name, spec.subjects),
                DocumentKind.TRUST,
                f"{spec.role_name} trust",
            )
        )
        role = aws.iam.Role(
            f"{name}-{spec.suffix}",
            name=spec.role_name,
            description=spec.purpose,
            assume_role_policy=trust,
            max_session_duration=SESSION_SECONDS,
            tags=naming.tags(
                DataClass.INTERNAL, component=COMPONENT, principal=PrincipalType.PIPELINE
            ),
            opts=opts,
        )
        aws.iam.RolePolicy(
            f"{name}-{spec.suffix}",
            role=role.name,
            policy=accounts.apply(
                lambda v: render(spec.policy(v[0], v[1]), DocumentKind.IDENTITY, spec.role_name)
            ),
            opts=opts,
        )
        if spec.read_only:
            aws.iam.RolePolicyAttachment(
                f"{name}-{spec.suffix}-read-only",
                role=role.name,
                policy_arn=READ_ONLY_POLICY,
                opts=opts,
            )
        return role

    def role_arns(self) -> dict[str, pulumi.Output[str]]:
        return {suffix: role.arn for suffix, role in self.roles.items()}
