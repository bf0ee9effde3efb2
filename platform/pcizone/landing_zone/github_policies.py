"""Trust and permission documents of the GitHub Actions roles in each account.

GitHub's OIDC token names the repository and what the job runs for: `environment:<name>` for
a job bound to a GitHub environment (required reviewers, deployment branches), `pull_request`
for a pull request, `ref:refs/heads/<branch>` for a push or schedule on a branch. Deploy roles
trust only their environment (`org` for the org stack), so every deploy passes the
environment's protection rules; preview roles trust pull requests and the deploy branch
(scheduled drift checks); the review role trusts the `review` environment. A role may also
assume itself, so a stack whose provider assumes `pcizone:account.assumeRoleName` can run
with that role's own credentials. See docs/gitops.md for the workflows that use them.
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
GHA_REVIEW_ROLE = "pcizone-gha-review"
ORG_ENVIRONMENT = "org"
REVIEW_ENVIRONMENT = "review"
READ_ONLY_POLICY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
# The Pulumi state backend lives in the management account (docs/gitops.md, "State and
# secrets"): an S3 bucket and the KMS key behind this alias encrypt the stacks' secrets.
STATE_KEY_ALIAS = "alias/pcizone-pulumi"

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


def deploy_subjects(repository: str, environment: str) -> list[str]:
    """Deploys run in the GitHub environment of their stage (`org` for the org stack)."""
    return [subject(repository, f"environment:{environment}")]


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


def assume_itself(account_id: str, role_name: str) -> Statement:
    return statement(
        "AssumeItself",
        "Allow",
        actions="sts:AssumeRole",
        resources=role_arn(account_id, role_name),
    )


def pulumi_state(management_account_id: str, *, write: bool) -> list[Statement]:
    """Read (and write) stack state in the management account's backend bucket and use its
    secrets key; the bucket and key policies there grant the other half."""
    objects = ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"]
    crypto = ["kms:Decrypt", "kms:DescribeKey"]
    if write:
        objects += ["s3:PutObject", "s3:DeleteObject"]
        crypto += ["kms:Encrypt", "kms:GenerateDataKey"]
    return [
        statement(
            "PulumiStateObjects",
            "Allow",
            actions=objects,
            resources=["arn:aws:s3:::*", "arn:aws:s3:::*/*"],
            condition={"StringEquals": {"s3:ResourceAccount": management_account_id}},
        ),
        statement(
            "PulumiSecretsKey",
            "Allow",
            actions=crypto,
            resources=f"arn:aws:kms:*:{management_account_id}:key/*",
            condition={"ForAnyValue:StringEquals": {"kms:ResourceAliases": STATE_KEY_ALIAS}},
        ),
    ]


def _services(services: tuple[str, ...]) -> list[str]:
    return [f"{service}:*" for service in services]


def decrypt_through(account_id: str, services: list[str]) -> Statement:
    """Secret values and Lambda environments a stack manages are read back through their
    service (Pulumi reads what it wrote); never a direct kms:Decrypt of data."""
    return statement(
        "DecryptThroughManagedServices",
        "Allow",
        actions="kms:Decrypt",
        resources=f"arn:aws:kms:*:{account_id}:key/*",
        condition={"StringLike": {"kms:ViaService": [f"{s}.*.amazonaws.com" for s in services]}},
    )


def workload_deploy_policy(account_id: str, management_account_id: str) -> Document:
    return document(
        statement(
            "DeployWorkloadServices", "Allow", actions=_services(WORKLOAD_SERVICES), resources="*"
        ),
        statement("ManageKeys", "Allow", actions=list(KMS_DEPLOY_ACTIONS), resources="*"),
        decrypt_through(account_id, ["secretsmanager", "lambda"]),
        *pulumi_state(management_account_id, write=True),
        assume_itself(account_id, GHA_DEPLOY_ROLE),
        statement("DenyLogUnmasking", "Deny", actions="logs:Unmask", resources="*"),
    )


def org_deploy_policy(account_id: str, member_role_name: str) -> Document:
    return document(
        statement("DeployOrganization", "Allow", actions=_services(ORG_SERVICES), resources="*"),
        statement("ManageKeys", "Allow", actions=list(KMS_DEPLOY_ACTIONS), resources="*"),
        *pulumi_state(account_id, write=True),
        statement(
            "ReachMemberAccounts",
            "Allow",
            actions="sts:AssumeRole",
            resources=role_arn("*", member_role_name),
        ),
        assume_itself(account_id, GHA_DEPLOY_ROLE),
    )


def preview_policy(account_id: str, management_account_id: str, *, workload: bool) -> Document:
    """On top of ReadOnlyAccess: state, assume itself, and in workload accounts never read
    cardholder data (the management account holds none, but does hold the state bucket)."""
    denies = cardholder_data_denies(objects_of_account=account_id) if workload else []
    return document(
        *pulumi_state(management_account_id, write=False),
        assume_itself(account_id, GHA_PREVIEW_ROLE),
        *denies,
    )
