"""Organization, OUs and member accounts as the engine receives them."""

from __future__ import annotations

import re
from typing import Any

import yaml
from pcizone.config.loader import find_repo_root

ORG = "aws:organizations/organization:Organization"
OU = "aws:organizations/organizationalUnit:OrganizationalUnit"
ACCOUNT = "aws:organizations/account:Account"


def _org_config() -> dict[str, Any]:
    text = (find_repo_root() / "stacks" / "Pulumi.org.yaml").read_text(encoding="utf-8")
    config: dict[str, Any] = yaml.safe_load(text)["config"]
    return config


def test_organization_has_all_features_and_trusted_security_services(org: Any) -> None:
    inputs = org.one(ORG, "organization").inputs
    assert inputs["featureSet"] == "ALL"
    assert inputs["enabledPolicyTypes"] == ["SERVICE_CONTROL_POLICY"]
    assert sorted(inputs["awsServiceAccessPrincipals"]) == [
        "access-analyzer.amazonaws.com",
        "cloudtrail.amazonaws.com",
        "config.amazonaws.com",
        "guardduty.amazonaws.com",
        "securityhub.amazonaws.com",
        "sso.amazonaws.com",
    ]


def test_ous_form_security_workloads_nonprod_prod_and_quarantine(org: Any) -> None:
    organization = org.one(ORG, "organization")
    ous = {r.name: r for r in org.all(OU)}
    names = {key: ou.inputs["name"] for key, ou in ous.items()}
    assert names == {
        "ou-security": "Security",
        "ou-workloads": "Workloads",
        "ou-nonprod": "NonProd",
        "ou-prod": "Prod",
        "ou-quarantine": "Quarantine",
    }
    root_id = org.outputs["organizationRootId"]
    assert re.fullmatch(r"r-[0-9a-f]{4}", root_id)
    for top in ("ou-security", "ou-workloads", "ou-quarantine"):
        assert ous[top].inputs["parentId"] == root_id
        assert ous[top].property_dependencies["parentId"] == (organization.urn,)
    for leaf in ("ou-nonprod", "ou-prod"):
        assert ous[leaf].property_dependencies["parentId"] == (ous["ou-workloads"].urn,)


def test_member_accounts_come_from_config_and_are_never_closed_by_a_diff(org: Any) -> None:
    accounts = _org_config()["pcizone:organization"]["accounts"]
    ous = {r.name: r for r in org.all(OU)}
    where = {"logArchive": "security", "security": "security", "dev": "nonprod"}
    where |= {"staging": "nonprod", "prod": "prod"}
    for key, spec in accounts.items():
        inputs = org.one(ACCOUNT, f"account-{key}").inputs
        assert inputs["name"] == spec["name"]
        assert inputs["email"] == spec["email"]
        assert inputs["closeOnDeletion"] is False
        assert inputs["createGovcloud"] is False
        assert inputs["iamUserAccessToBilling"] == "DENY"
        assert inputs["roleName"] == "OrganizationAccountAccessRole"
        account = org.one(ACCOUNT, f"account-{key}")
        assert account.property_dependencies["parentId"] == (ous[f"ou-{where[key]}"].urn,)


def test_account_ids_are_twelve_digit_strings_of_the_account_resources(org: Any) -> None:
    ids = org.outputs["accountIds"]
    assert set(ids) == {"logArchive", "security", "dev", "staging", "prod"}
    assert len(set(ids.values())) == 5
    for key, value in ids.items():
        assert isinstance(value, str) and re.fullmatch(r"\d{12}", value), key
        assert org.one(ACCOUNT, f"account-{key}").id == value
