"""Permissions of the review role (dev account): review stacks `pr-<n>` may create, change and
delete only resources named `pcz-pr-*` or tagged with a `pr-*` stack, and read back only their
own secrets (docs/gitops.md, "Review stacks")."""

from __future__ import annotations

from pcizone.baseline.people_policies import cardholder_data_denies
from pcizone.core.naming import TAG_DATA_CLASSIFICATION, DataClass
from pcizone.landing_zone.documents import Document, Statement, document, role_arn, statement
from pcizone.landing_zone.github_policies import (
    GHA_REVIEW_ROLE,
    assume_itself,
    decrypt_through,
    pulumi_state,
)

REVIEW_PREFIX = "pcz-pr-"  # every review stack's names start so (core/naming.py)
REVIEW_STACK_TAG = "aws:ResourceTag/pcizone:stack"
# What a review stack does to its functions' roles (never to any other role).
REVIEW_ROLE_ACTIONS = (
    "CreateRole", "DeleteRole", "GetRole", "TagRole", "UntagRole", "UpdateRole",
    "UpdateAssumeRolePolicy", "PutRolePolicy", "GetRolePolicy", "DeleteRolePolicy",
    "ListRolePolicies", "ListAttachedRolePolicies", "ListInstanceProfilesForRole",
)  # fmt: skip


def review_policy(account_id: str, management_account_id: str) -> Document:
    """Review stacks (pr-<n>) in the dev account: only resources named or tagged as one."""
    named = [
        f"arn:aws:lambda:*:{account_id}:function:{REVIEW_PREFIX}*",
        f"arn:aws:lambda:*:{account_id}:layer:{REVIEW_PREFIX}*",
        f"arn:aws:sqs:*:{account_id}:{REVIEW_PREFIX}*",
        f"arn:aws:logs:*:{account_id}:log-group:{REVIEW_PREFIX}*",
        f"arn:aws:events:*:{account_id}:rule/{REVIEW_PREFIX}*",
        f"arn:aws:secretsmanager:*:{account_id}:secret:{REVIEW_PREFIX}*",
        f"arn:aws:cloudwatch:*:{account_id}:alarm:{REVIEW_PREFIX}*",
    ]
    review_roles = role_arn(account_id, f"{REVIEW_PREFIX}*")
    stack_tag = {"StringLike": {"aws:RequestTag/pcizone:stack": "pr-*"}}
    return document(
        statement(
            "ReviewStackResources",
            "Allow",
            actions=["lambda:*", "sqs:*", "logs:*", "events:*", "secretsmanager:*", "cloudwatch:*"],
            resources=named,
        ),
        statement(
            "ReviewStackRoles",
            "Allow",
            actions=[
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:GetRole",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:UpdateRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:PutRolePolicy",
                "iam:GetRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
            ],
            resources=review_roles,
        ),
        statement(
            "PassReviewRolesToLambda",
            "Allow",
            actions="iam:PassRole",
            resources=review_roles,
            condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
        ),
        statement(
            "ReviewEventSourceMappings",
            "Allow",
            actions=[
                "lambda:CreateEventSourceMapping",
                "lambda:UpdateEventSourceMapping",
                "lambda:DeleteEventSourceMapping",
                "lambda:GetEventSourceMapping",
            ],
            resources="*",
            condition={
                "ArnLike": {
                    "lambda:FunctionArn": f"arn:aws:lambda:*:{account_id}:function:{REVIEW_PREFIX}*"
                }
            },
        ),
        statement(
            "CreateReviewHttpApis",
            "Allow",
            actions=["apigateway:POST", "apigateway:TagResource"],
            resources="arn:aws:apigateway:*::/*",
            condition=stack_tag,
        ),
        statement(
            "ManageReviewHttpApis",
            "Allow",
            actions=["apigateway:*"],
            resources="arn:aws:apigateway:*::/*",
            condition={"StringLike": {REVIEW_STACK_TAG: "pr-*"}},
        ),
        statement(
            "UseStageKeysThroughServices",
            "Allow",
            actions=["kms:Encrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:DescribeKey"],
            resources=f"arn:aws:kms:*:{account_id}:key/*",
            condition={
                "StringLike": {
                    "kms:ViaService": [
                        f"{s}.*.amazonaws.com" for s in ("lambda", "sqs", "logs", "secretsmanager")
                    ]
                }
            },
        ),
        decrypt_through(account_id, ["secretsmanager", "lambda"]),
        *pulumi_state(management_account_id, write=True),
        assume_itself(account_id, GHA_REVIEW_ROLE),
        *_review_denies(account_id),
    )


def _review_denies(account_id: str) -> list[Statement]:
    """A review stack reads back its own secret; nothing else of the account's data."""
    kept = {"DenyObjectReads", "DenyLogUnmasking", "DenyDatabaseAccess"}
    return [
        *(s for s in cardholder_data_denies(objects_of_account=account_id) if s["Sid"] in kept),
        statement(
            "DenyCardholderKeyDecrypt",
            "Deny",
            actions=["kms:Decrypt", "kms:ReEncryptFrom"],
            resources="*",
            condition={
                "StringEquals": {
                    f"aws:ResourceTag/{TAG_DATA_CLASSIFICATION}": DataClass.CARDHOLDER_DATA.value
                }
            },
        ),
        statement(
            "DenyOtherSecretValues",
            "Deny",
            actions=["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"],
            not_resources=[f"arn:aws:secretsmanager:*:{account_id}:secret:{REVIEW_PREFIX}*"],
        ),
    ]
