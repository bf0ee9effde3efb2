"""Trust and permission documents of the GitHub Actions roles in each account.

GitHub's OIDC token names the repository and what the job runs for: `environment:<stage>` for
a job bound to a GitHub environment, `ref:refs/heads/<branch>` for a push or schedule on a
branch, `pull_request` for a pull request. Each role trusts only the subjects it needs. A role
may also assume itself, so that a stack whose provider assumes `pcizone:account.assumeRoleName`
can be run with that role's own credentials.
"""

from __future__ import annotations

from pcizone.baseline.people_policies import cardholder_data_denies
from pcizone.landing_zone.documents import (
    Document,
    Statement,
    account_root,
    document,
    role_arn,
    statement,
)

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
GITHUB_AUDIENCE = "sts.amazonaws.com"
# GitHub's published certificate thumbprints (IAM now trusts GitHub's CA; kept explicit).
GITHUB_THUMBPRINTS = (
    "6938fd4d98bab03faadb97b34396831e3780aea1",
    "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
)
GHA_DEPLOY_ROLE = "pcizone-gha-deploy"
GHA_PREVIEW_ROLE = "pcizone-gha-preview"
READ_ONLY_POLICY = "arn:aws:iam::aws:policy/ReadOnlyAccess"

# Services the stage and developer stacks declare resources in.
WORKLOAD_SERVICES = (
    "access-analyzer", "apigateway", "application-autoscaling", "backup", "backup-storage",
    "cloudwatch", "config", "ec2", "events", "firehose", "guardduty", "iam", "lambda", "logs",
    "rds", "s3", "secretsmanager", "securityhub", "sns", "sqs", "ssm", "tag", "xray",
)  # fmt: skip
# Services the org stack declares resources in (member accounts are reached by assuming
# the member role, whose own permissions apply there).
ORG_SERVICES = (
    "cloudtrail", "cloudwatch", "guardduty", "iam", "logs", "organizations", "securityhub", "sns",
)  # fmt: skip
# Key management for deploys; never kms:Decrypt, so a pipeline cannot read data it deploys.
KMS_DEPLOY_ACTIONS = (
    "kms:CreateKey", "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias", "kms:DescribeKey",
    "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation",
    "kms:ListAliases", "kms:ListKeys", "kms:ListResourceTags", "kms:TagResource",
    "kms:UntagResource", "kms:UpdateKeyDescription", "kms:CreateGrant", "kms:ListGrants",
    "kms:RevokeGrant", "kms:RetireGrant", "kms:Encrypt", "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext", "kms:ReplicateKey",
)  # fmt: skip


def subject(repository: str, claim: str) -> str:
    return f"repo:{repository}:{claim}"


def deploy_subjects(repository: str, *, stage: str | None, deploy_branch: str) -> list[str]:
    """A stage's deploys run in its GitHub environment; the org stack's on the deploy branch."""
    if stage is None:
        return [subject(repository, f"ref:refs/heads/{deploy_branch}")]
    return [subject(repository, f"environment:{stage}")]


def preview_subjects(repository: str, *, deploy_branch: str) -> list[str]:
    """Pull requests preview; scheduled drift checks run read-only on the deploy branch."""
    return [
        subject(repository, "pull_request"),
        subject(repository, f"ref:refs/heads/{deploy_branch}"),
    ]


def github_trust(
    provider_arn: str, account_id: str, role_name: str, subjects: list[str]
) -> Document:
    return document(
        statement(
            "GitHubActions",
            "Allow",
            principal={"Federated": provider_arn},
            actions="sts:AssumeRoleWithWebIdentity",
            condition={
                "StringEquals": {
                    f"{GITHUB_OIDC_HOST}:aud": GITHUB_AUDIENCE,
                    f"{GITHUB_OIDC_HOST}:sub": subjects,
                }
            },
        ),
        statement(
            "AssumeItself",
            "Allow",
            principal={"AWS": account_root(account_id)},
            actions="sts:AssumeRole",
            condition={"ArnEquals": {"aws:PrincipalArn": role_arn(account_id, role_name)}},
        ),
    )


def _assume_itself(account_id: str, role_name: str) -> Statement:
    return statement(
        "AssumeItself",
        "Allow",
        actions="sts:AssumeRole",
        resources=role_arn(account_id, role_name),
    )


def _services(services: tuple[str, ...]) -> list[str]:
    return [f"{service}:*" for service in services]


def workload_deploy_policy(account_id: str) -> Document:
    return document(
        statement(
            "DeployWorkloadServices", "Allow", actions=_services(WORKLOAD_SERVICES), resources="*"
        ),
        statement("ManageKeys", "Allow", actions=list(KMS_DEPLOY_ACTIONS), resources="*"),
        _assume_itself(account_id, GHA_DEPLOY_ROLE),
        statement("DenyLogUnmasking", "Deny", actions="logs:Unmask", resources="*"),
    )


def org_deploy_policy(account_id: str, member_role_name: str) -> Document:
    return document(
        statement("DeployOrganization", "Allow", actions=_services(ORG_SERVICES), resources="*"),
        statement("ManageKeys", "Allow", actions=list(KMS_DEPLOY_ACTIONS), resources="*"),
        statement(
            "ReachMemberAccounts",
            "Allow",
            actions="sts:AssumeRole",
            resources=role_arn("*", member_role_name),
        ),
        _assume_itself(account_id, GHA_DEPLOY_ROLE),
    )


def preview_policy(account_id: str) -> Document:
    """On top of ReadOnlyAccess: assume itself, and never read cardholder data."""
    return document(_assume_itself(account_id, GHA_PREVIEW_ROLE), *cardholder_data_denies())
