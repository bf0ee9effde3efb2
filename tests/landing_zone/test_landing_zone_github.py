"""GitHub Actions OIDC providers and the deploy and preview roles of each account."""

from __future__ import annotations

from typing import Any

import pytest

from pcizone.landing_zone.github_policies import GITHUB_THUMBPRINTS

OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
REPO = "repo:example-org/pcizone"
ACCOUNTS = ("management", "dev", "staging", "prod")
DEPLOY_SUBJECT = {
    "management": f"{REPO}:ref:refs/heads/main",
    "dev": f"{REPO}:environment:dev",
    "staging": f"{REPO}:environment:staging",
    "prod": f"{REPO}:environment:prod",
}


def _account_id(org: Any, key: str) -> str:
    if key == "management":
        return str(org.outputs["managementAccountId"])
    return str(org.outputs["accountIds"][key])


@pytest.mark.parametrize("key", ACCOUNTS)
def test_each_account_trusts_github_oidc_for_sts_only(org: Any, key: str) -> None:
    inputs = org.one(OIDC, f"github-{key}-oidc").inputs
    assert inputs["url"] == "https://token.actions.githubusercontent.com"
    assert inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert inputs["thumbprintLists"] == list(GITHUB_THUMBPRINTS)


@pytest.mark.parametrize("key", ACCOUNTS)
@pytest.mark.parametrize("role", ["deploy", "preview"])
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
    github = trust["GitHubActions"]
    provider = org.one(OIDC, f"github-{key}-oidc")
    assert github["Principal"] == {"Federated": provider.outputs["arn"]}
    assert provider.urn in resource.property_dependencies["assumeRolePolicy"]
    assert github["Action"] == "sts:AssumeRoleWithWebIdentity"
    subjects = (
        [DEPLOY_SUBJECT[key]]
        if role == "deploy"
        else [f"{REPO}:pull_request", f"{REPO}:ref:refs/heads/main"]
    )
    assert github["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": subjects,
        }
    }
    itself = trust["AssumeItself"]
    assert itself["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}
    assert itself["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{account}:role/{name}"}
    }
    assert org.outputs["ghaRoleArns"][key][role] == f"arn:aws:iam::{account}:role/{name}"


@pytest.mark.parametrize("key", ACCOUNTS)
def test_deploy_policies_name_services_and_never_decrypt(org: Any, sids: Any, key: str) -> None:
    policy = sids(org.doc(org.one(ROLE_POLICY, f"github-{key}-deploy")))
    for statement in policy.values():
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        if statement["Effect"] == "Allow":
            assert "*" not in actions and "*:*" not in actions
            assert "kms:Decrypt" not in actions and "kms:*" not in actions
    if key == "management":
        reach = policy["ReachMemberAccounts"]
        assert reach["Resource"] == "arn:aws:iam::*:role/OrganizationAccountAccessRole"
        assert "organizations:*" in policy["DeployOrganization"]["Action"]
    else:
        assert "rds:*" in policy["DeployWorkloadServices"]["Action"]
        assert policy["DenyLogUnmasking"]["Effect"] == "Deny"


@pytest.mark.parametrize("key", ACCOUNTS)
def test_preview_roles_read_only_and_never_read_cardholder_data(
    org: Any, sids: Any, key: str
) -> None:
    attachment = org.one(ATTACHMENT, f"github-{key}-preview-read-only").inputs
    assert attachment["policyArn"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    policy = sids(org.doc(org.one(ROLE_POLICY, f"github-{key}-preview")))
    assert {"DenyObjectReads", "DenyDataKeyDecrypt", "DenyLogUnmasking", "DenySecretValues"} <= set(
        policy
    )
    allows = [s for s in policy.values() if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Sid": "AssumeItself",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": f"arn:aws:iam::{_account_id(org, key)}:role/pcizone-gha-preview",
        }
    ]


def test_outputs_list_provider_and_role_arns_per_account(org: Any) -> None:
    assert set(org.outputs["githubOidcProviderArns"]) == set(ACCOUNTS)
    assert set(org.outputs["ghaRoleArns"]) == set(ACCOUNTS)
    for key in ACCOUNTS:
        assert (
            org.outputs["githubOidcProviderArns"][key]
            == (org.one(OIDC, f"github-{key}-oidc").outputs["arn"])
        )
