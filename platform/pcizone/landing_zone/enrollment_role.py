"""The security account's enrolment role: what a stage stack may do there, and nothing else.

A stage stack enrols its own account as a GuardDuty and Security Hub member once its detector
and hub exist (baseline/regional.py). It reaches the security account through this role only,
whether it runs with the management account's credentials or as its account's CI deploy role.
"""

from __future__ import annotations

from pcizone.landing_zone.documents import Document, account_root, document, role_arn, statement
from pcizone.landing_zone.github_policies import GHA_DEPLOY_ROLE

ENROLLMENT_ROLE = "pcizone-security-enrollment"
MEMBER_ACTIONS = (
    "CreateMembers",
    "GetMembers",
    "ListMembers",
    "DeleteMembers",
    "DisassociateMembers",
)


def enrollment_trust(management_account_id: str, workload_account_ids: list[str]) -> Document:
    return document(
        statement(
            "ManagementAccountDeploys",
            "Allow",
            principal={"AWS": account_root(management_account_id)},
            actions="sts:AssumeRole",
        ),
        statement(
            "StageDeployRoles",
            "Allow",
            principal={"AWS": [account_root(a) for a in workload_account_ids]},
            actions="sts:AssumeRole",
            condition={
                "ArnEquals": {
                    "aws:PrincipalArn": [role_arn(a, GHA_DEPLOY_ROLE) for a in workload_account_ids]
                }
            },
        ),
    )


def enrollment_permissions(security_account_id: str) -> Document:
    return document(
        statement(
            "ManageGuardDutyMembers",
            "Allow",
            actions=[f"guardduty:{a}" for a in MEMBER_ACTIONS],
            resources=f"arn:aws:guardduty:*:{security_account_id}:detector/*",
        ),
        statement(
            "ManageSecurityHubMembers",
            "Allow",
            actions=[f"securityhub:{a}" for a in MEMBER_ACTIONS],
            resources=f"arn:aws:securityhub:*:{security_account_id}:hub/default",
        ),
    )
