"""Guardrails that keep accounts inside the organization and people out of shared identities."""

from __future__ import annotations

from pcizone.landing_zone.documents import document, statement
from pcizone.landing_zone.scps.inputs import Guardrail, Placement


def deny_leaving_organization() -> Guardrail:
    return Guardrail(
        key="deny-leave-organization",
        description=(
            "PCI DSS 7.2.1, 10.2.1: a member account cannot leave the organization and so"
            " escape its guardrails and the organization trail."
        ),
        document=document(
            statement(
                "DenyLeaveOrganization",
                "Deny",
                actions="organizations:LeaveOrganization",
                resources="*",
            )
        ),
        placement=Placement.ROOT,
    )


def deny_root_user() -> Guardrail:
    return Guardrail(
        key="deny-root-user",
        description=(
            "PCI DSS 8.2.2, 7.2.2: the shared root user of a member account can do nothing;"
            " people use individual identities."
        ),
        document=document(
            statement(
                "DenyRootUser",
                "Deny",
                actions="*",
                resources="*",
                condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}},
            )
        ),
        placement=Placement.ROOT,
    )


def deny_iam_users() -> Guardrail:
    return Guardrail(
        key="deny-iam-users",
        description=(
            "PCI DSS 8.2.1, 8.3.1, 8.6.3: no IAM users, passwords or long-lived access keys in"
            " member accounts; people sign in through SSO, workloads use roles."
        ),
        document=document(
            statement(
                "DenyIamUsersAndKeys",
                "Deny",
                actions=[
                    "iam:CreateUser",
                    "iam:CreateAccessKey",
                    "iam:CreateLoginProfile",
                    "iam:UpdateLoginProfile",
                ],
                resources="*",
            )
        ),
        placement=Placement.TOP_LEVEL,
    )
