"""GitHub Actions' OIDC identity provider and the deploy and preview roles of one account."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming, PrincipalType
from pcizone.landing_zone.documents import Document, render
from pcizone.landing_zone.github_policies import (
    GHA_DEPLOY_ROLE,
    GHA_PREVIEW_ROLE,
    GITHUB_AUDIENCE,
    GITHUB_OIDC_URL,
    GITHUB_THUMBPRINTS,
    READ_ONLY_POLICY,
    github_trust,
    preview_policy,
)
from pcizone.landing_zone.iam_grammar import DocumentKind

COMPONENT = "github-actions"
SESSION_SECONDS = 3600


class GitHubAccess(pulumi.ComponentResource):
    provider_arn: pulumi.Output[str]
    deploy_role: aws.iam.Role
    preview_role: aws.iam.Role

    def __init__(
        self,
        name: str,
        naming: Naming,
        provider: aws.Provider,
        *,
        account_id: pulumi.Input[str],
        deploy_subjects: list[str],
        preview_subjects: list[str],
        deploy_policy: Callable[[str], Document],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:landing_zone:GitHubAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        tags = naming.tags(DataClass.INTERNAL, component=COMPONENT)
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc",
            url=GITHUB_OIDC_URL,
            client_id_lists=[GITHUB_AUDIENCE],
            thumbprint_lists=list(GITHUB_THUMBPRINTS),
            tags=tags,
            opts=child,
        )
        self.provider_arn = oidc.arn
        account = pulumi.Output.from_input(account_id)

        def role(suffix: str, role_name: str, subjects: list[str], purpose: str) -> aws.iam.Role:
            trust = pulumi.Output.all(oidc.arn, account).apply(
                lambda args: render(
                    github_trust(args[0], args[1], role_name, subjects),
                    DocumentKind.TRUST,
                    f"{role_name} trust",
                )
            )
            return aws.iam.Role(
                f"{name}-{suffix}",
                name=role_name,
                description=purpose,
                assume_role_policy=trust,
                max_session_duration=SESSION_SECONDS,
                tags=naming.tags(
                    DataClass.INTERNAL, component=COMPONENT, principal=PrincipalType.PIPELINE
                ),
                opts=child,
            )

        self.deploy_role = role(
            "deploy", GHA_DEPLOY_ROLE, deploy_subjects, "GitHub Actions deploys (pulumi up)"
        )
        self.preview_role = role(
            "preview", GHA_PREVIEW_ROLE, preview_subjects, "GitHub Actions previews (read-only)"
        )
        aws.iam.RolePolicy(
            f"{name}-deploy",
            role=self.deploy_role.name,
            policy=account.apply(
                lambda a: render(deploy_policy(a), DocumentKind.IDENTITY, GHA_DEPLOY_ROLE)
            ),
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-preview-read-only",
            role=self.preview_role.name,
            policy_arn=READ_ONLY_POLICY,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-preview",
            role=self.preview_role.name,
            policy=account.apply(
                lambda a: render(preview_policy(a), DocumentKind.IDENTITY, GHA_PREVIEW_ROLE)
            ),
            opts=child,
        )
        self.register_outputs({"deployRoleArn": self.deploy_role.arn})

    def role_arns(self) -> dict[str, pulumi.Output[str]]:
        return {"deploy": self.deploy_role.arn, "preview": self.preview_role.arn}
