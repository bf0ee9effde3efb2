"""GitHub Actions OIDC providers and the deploy, preview and review roles of each account."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pcizone.landing_zone.github_policies import GITHUB_THUMBPRINTS
from pcizone.policy.documents import action_matches

OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
REPO = "repo:example-org/pcizone"
ACCOUNTS = ("management", "dev", "staging", "prod")
ENVIRONMENT = {"management": "org", "dev": "dev", "staging": "staging", "prod": "prod"}
SUBJECTS = {
    "deploy": lambda key: [f"{REPO}:environment:{ENVIRONMENT[key]}"],
    "preview": lambda _key: [f"{REPO}:pull_request", f"{REPO}:ref:refs/heads/main"],
    "review": lambda _key: [f"{REPO}:environment:review"],
}
ROLES = [(key, role) for key in ACCOUNTS for role in ("deploy", "preview")] + [("dev", "review")]


def _account_id(org: Any, key: str) -> str:
    if key == "management":
        return str(org.outputs["managementAccountId"])
    return str(org.outputs["accountIds"][key])


def _actions(statement: dict[str, Any]) -> list[str]:
    value = statement.get("Action", [])
    return [value] if isinstance(value, str) else list(value)


@pytest.mark.parametrize("key", ACCOUNTS)
def test_each_account_trusts_github_oidc_for_sts_only(org: Any, key: str) -> None:
    inputs = org.one(OIDC, f"github-{key}-oidc").inputs
    assert inputs["url"] == "https://token.actions.githubusercontent.com"
    assert inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert inputs["thumbprintLists"] == list(GITHUB_THUMBPRINTS)


@pytest.mark.parametrize(("key", "role"), ROLES)
def test_roles_trust_only_this_repository_for_the_right_subject(
    org: Any, sids: Any, key: str, role: str
) -> None:
    account = _account_id(org, key)
    resource = org.one(ROLE, f"github-{key}-{role}")
    name = f"pcizone-gha-{role}"
    assert resource.inputs["name"] == name
    assert resource.inputs["maxSessionDuration"] == 3600
    assert resource.inputs["tags"]["pcizone:principal-type"] == "pipeline"
    trust = sids(org.doc(resource, "assumeRolePolicy"))
    assert set(trust) == {"GitHubActions", "AssumeItself"}
    github = trust["GitHubActions"]
    provider = org.one(OIDC, f"github-{key}-oidc")
    assert github["Principal"] == {"Federated": provider.outputs["arn"]}
    assert provider.urn in resource.property_dependencies["assumeRolePolicy"]
    assert github["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert github["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": SUBJECTS[role](key),
        }
    }
    itself = trust["AssumeItself"]
    assert itself["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}
    assert itself["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{account}:role/{name}"}
    }
    assert org.outputs["ghaRoleArns"][key][role] == f"arn:aws:iam::{account}:role/{name}"


@pytest.mark.parametrize(("key", "role"), ROLES)
def test_no_pipeline_role_allows_everything_or_decrypts_directly(
    org: Any, sids: Any, key: str, role: str
) -> None:
    policy = sids(org.doc(org.one(ROLE_POLICY, f"github-{key}-{role}")))
    management = org.outputs["managementAccountId"]
    for sid, statement in policy.items():
        if statement["Effect"] != "Allow":
            continue
        actions = _actions(statement)
        assert "*" not in actions and "*:*" not in actions, sid
        if any(action_matches(a, "kms:Decrypt") for a in actions):
            # Only the Pulumi secrets key (by alias) or through a managed service.
            assert statement["Resource"] != "*", sid
            assert set(statement["Condition"]) <= {"ForAnyValue:StringEquals", "StringLike"}
    state = policy["PulumiSecretsKey"]
    assert state["Resource"] == f"arn:aws:kms:*:{management}:key/*"
    assert state["Condition"] == {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/pcizone-pulumi"}
    }
    objects = policy["PulumiStateObjects"]
    assert objects["Condition"] == {"StringEquals": {"s3:ResourceAccount": management}}
    writes = "s3:PutObject" in objects["Action"]
    assert writes is (role != "preview")


def test_org_deploy_reaches_member_accounts_and_stage_deploys_keep_logs_masked(
    org: Any, sids: Any
) -> None:
    org_deploy = sids(org.doc(org.one(ROLE_POLICY, "github-management-deploy")))
    assert org_deploy["ReachMemberAccounts"]["Resource"] == (
        "arn:aws:iam::*:role/OrganizationAccountAccessRole"
    )
    assert "organizations:*" in org_deploy["DeployOrganization"]["Action"]
    for stage in ("dev", "staging", "prod"):
        deploy = sids(org.doc(org.one(ROLE_POLICY, f"github-{stage}-deploy")))
        assert "rds:*" in deploy["DeployWorkloadServices"]["Action"]
        assert deploy["DenyLogUnmasking"] == {
            "Sid": "DenyLogUnmasking",
            "Effect": "Deny",
            "Action": "logs:Unmask",
            "Resource": "*",
        }
        through = deploy["DecryptThroughManagedServices"]
        assert through["Condition"] == {
            "StringLike": {
                "kms:ViaService": ["secretsmanager.*.amazonaws.com", "lambda.*.amazonaws.com"]
            }
        }


@pytest.mark.parametrize("key", ACCOUNTS)
def test_preview_roles_read_only_and_in_workload_accounts_never_read_cardholder_data(
    org: Any, sids: Any, key: str
) -> None:
    attachment = org.one(ATTACHMENT, f"github-{key}-preview-read-only").inputs
    assert attachment["policyArn"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    policy = sids(org.doc(org.one(ROLE_POLICY, f"github-{key}-preview")))
    denies = {sid for sid, s in policy.items() if s["Effect"] == "Deny"}
    if key == "management":
        assert denies == set()  # no cardholder data there, and the state bucket is there
        return
    assert denies == {
        "DenyObjectReads",
        "DenyDataKeyDecrypt",
        "DenyLogUnmasking",
        "DenyDatabaseAccess",
        "DenySecretValues",
    }
    # Objects of this account only: the state bucket in the management account stays readable.
    assert policy["DenyObjectReads"]["Condition"] == {
        "StringEquals": {"s3:ResourceAccount": _account_id(org, key)}
    }


def test_review_role_touches_only_review_stack_resources(org: Any, sids: Any) -> None:
    dev = _account_id(org, "dev")
    policy = sids(org.doc(org.one(ROLE_POLICY, "github-dev-review")))
    for arn in policy["ReviewStackResources"]["Resource"]:
        assert re.fullmatch(rf"arn:aws:[a-z]+:\*:{dev}:([a-z-]+[:/])?pcz-pr-\*", arn), arn
    assert policy["ReviewStackRoles"]["Resource"] == f"arn:aws:iam::{dev}:role/pcz-pr-*"
    assert policy["PassReviewRolesToLambda"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}
    }
    assert policy["ManageReviewHttpApis"]["Condition"] == {
        "StringLike": {"aws:ResourceTag/pcizone:stack": "pr-*"}
    }
    secrets = policy["DenyOtherSecretValues"]
    assert secrets["NotResource"] == [f"arn:aws:secretsmanager:*:{dev}:secret:pcz-pr-*"]
    assert policy["DenyCardholderKeyDecrypt"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/pcizone:data-classification": "cardholder-data"}
    }
    assert (
        org.outputs["ghaRoleArns"]["dev"]["review"] == f"arn:aws:iam::{dev}:role/pcizone-gha-review"
    )
    assert set(org.outputs["ghaRoleArns"]["prod"]) == {"deploy", "preview"}


def test_outputs_list_provider_and_role_arns_per_account(org: Any) -> None:
    assert set(org.outputs["githubOidcProviderArns"]) == set(ACCOUNTS)
    assert set(org.outputs["ghaRoleArns"]) == set(ACCOUNTS)
    for key in ACCOUNTS:
        assert (
            org.outputs["githubOidcProviderArns"][key]
            == (org.one(OIDC, f"github-{key}-oidc").outputs["arn"])
        )
