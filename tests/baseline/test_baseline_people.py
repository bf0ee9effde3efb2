"""People's roles: who can assume them, what they may do, and the denies on cardholder data."""

from __future__ import annotations

from typing import Any

import pytest
from pcizone.policy.documents import action_matches

PERSONAS = ("platform-admin", "developer", "auditor", "break-glass")
NAMES = {
    "platform-admin": "pcizone-platform",
    "developer": "pcizone-developer",
    "auditor": "pcizone-auditor",
    "break-glass": "pcizone-break-glass",
}
MANAGED = {
    "platform-admin": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "developer": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "auditor": "arn:aws:iam::aws:policy/SecurityAudit",
    "break-glass": "arn:aws:iam::aws:policy/ReadOnlyAccess",
}
# What the issue names, as (action, what a deny must cover).
CARDHOLDER_READS = (
    "s3:GetObject",
    "kms:Decrypt",
    "logs:Unmask",
    "rds-db:connect",
    "secretsmanager:GetSecretValue",
)


@pytest.mark.parametrize("persona", PERSONAS)
def test_role_is_a_tagged_human_role_with_short_sessions(stages: Any, persona: str) -> None:
    role = stages["prod"].one("aws:iam/role:Role", f"person-{persona}")
    assert role.inputs["name"] == NAMES[persona]
    assert role.inputs["maxSessionDuration"] == 3600
    tags = role.inputs["tags"]
    assert (tags["pcizone:principal-type"], tags["pcizone:component"]) == ("human", "people")
    attachment = stages["prod"].one(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment", f"person-{persona}-managed-0"
    )
    assert attachment.inputs["policyArn"] == MANAGED[persona]


@pytest.mark.parametrize("persona", ["platform-admin", "developer", "auditor"])
def test_people_come_only_from_their_identity_center_permission_set(
    stages: Any, org_outputs: dict[str, Any], persona: str
) -> None:
    run = stages["prod"]
    (trust,) = run.doc(run.one("aws:iam/role:Role", f"person-{persona}"), "assumeRolePolicy")[
        "Statement"
    ]
    security = org_outputs["accountIds"]["security"]
    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{security}:root"}
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {
        "ArnLike": {
            "aws:PrincipalArn": (
                f"arn:aws:iam::{security}:role/aws-reserved/sso.amazonaws.com/"
                f"*AWSReservedSSO_{NAMES[persona]}_*"
            )
        }
    }


def test_break_glass_needs_a_recent_mfa_sign_in_in_the_management_account(
    stages: Any, org_outputs: dict[str, Any]
) -> None:
    run = stages["prod"]
    (trust,) = run.doc(run.one("aws:iam/role:Role", "person-break-glass"), "assumeRolePolicy")[
        "Statement"
    ]
    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{org_outputs['managementAccountId']}:root"}
    assert trust["Condition"] == {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_human_role_denies_reading_cardholder_data(stages: Any, persona: str) -> None:
    run = stages["prod"]
    denies = run.sids(
        run.one("aws:iam/rolePolicy:RolePolicy", f"person-{persona}-deny-cardholder-data")
    )
    assert all(s["Effect"] == "Deny" for s in denies.values())
    for action in CARDHOLDER_READS:
        covering = [
            s for s in denies.values() if any(action_matches(p, action) for p in _list(s["Action"]))
        ]
        assert covering, action
    assert denies["DenyObjectReads"]["Resource"] == "arn:aws:s3:::*/*"
    assert denies["DenyDataKeyDecrypt"]["Condition"] == {
        "StringEquals": {
            "aws:ResourceTag/pcizone:data-classification": ["cardholder-data", "secrets"]
        }
    }
    assert denies["DenyDatabaseAccess"]["Resource"] == "*"
    assert denies["DenySecretValues"]["Resource"] == "*"


@pytest.mark.parametrize("persona", ["platform-admin", "break-glass"])
def test_allow_policies_name_their_actions_and_never_decrypt_or_administer_iam(
    stages: Any, org_outputs: dict[str, Any], persona: str
) -> None:
    run = stages["prod"]
    allows = run.sids(run.one("aws:iam/rolePolicy:RolePolicy", f"person-{persona}-permissions"))
    for statement in allows.values():
        assert statement["Effect"] == "Allow"
        actions = _list(statement["Action"])
        assert "*" not in actions
        for forbidden in ("kms:Decrypt", "iam:CreateRole", "iam:PutRolePolicy", "logs:Unmask"):
            if forbidden == "logs:Unmask" and persona == "break-glass":
                continue  # logs:* is allowed to break-glass; the explicit deny still wins
            assert not any(action_matches(p, forbidden) for p in actions), forbidden
    if persona == "platform-admin":
        keys = allows["ManageKeyLifecycle"]
        account = org_outputs["accountIds"]["prod"]
        assert keys["Resource"] == f"arn:aws:kms:*:{account}:key/*"
        assert "kms:ScheduleKeyDeletion" in keys["Action"]


def test_developers_and_auditors_have_no_allow_beyond_their_managed_policy(stages: Any) -> None:
    names = {r.name for r in stages["dev"].all("aws:iam/rolePolicy:RolePolicy")}
    assert "person-developer-permissions" not in names
    assert "person-auditor-permissions" not in names


def _list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)
