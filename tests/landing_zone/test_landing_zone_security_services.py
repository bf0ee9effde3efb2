"""The security account administers GuardDuty, Security Hub and Access Analyzer in every
allowed region, with auto-enable off so the workload baselines create their own detectors."""

from __future__ import annotations

from typing import Any

import pytest

REGIONS = ("eu-west-1", "eu-central-1")


@pytest.mark.parametrize("region", REGIONS)
def test_security_account_is_delegated_administrator_in_each_region(org: Any, region: str) -> None:
    security = org.outputs["accountIds"]["security"]
    detector = org.one("aws:guardduty/detector:Detector", f"security-detector-{region}")
    hub = org.one("aws:securityhub/account:Account", f"security-hub-{region}")
    for type_, name, prerequisite in (
        (
            "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount",
            "guardduty-admin",
            detector,
        ),
        (
            "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount",
            "securityhub-admin",
            hub,
        ),
    ):
        admin = org.one(type_, f"{name}-{region}")
        assert admin.inputs == {"adminAccountId": security, "region": region}
        # Its own detector and hub first: designation would otherwise create them.
        assert prerequisite.urn in admin.dependencies
        assert org.one("aws:organizations/organization:Organization", "organization").urn in (
            admin.dependencies
        )
    assert detector.inputs["enable"] is True
    assert detector.inputs["region"] == region
    features = {
        org.one(
            "aws:guardduty/detectorFeature:DetectorFeature", f"security-detector-{region}-{f}"
        ).inputs["name"]: f
        for f in ("s3-data-events", "lambda-network-logs")
    }
    assert set(features) == {"S3_DATA_EVENTS", "LAMBDA_NETWORK_LOGS"}
    assert hub.inputs["enableDefaultStandards"] is False


@pytest.mark.parametrize("region", REGIONS)
def test_auto_enable_is_off_and_the_organization_analyzer_is_regional(
    org: Any, region: str
) -> None:
    guardduty = org.one(
        "aws:guardduty/organizationConfiguration:OrganizationConfiguration",
        f"guardduty-organization-{region}",
    ).inputs
    assert guardduty["autoEnableOrganizationMembers"] == "NONE"
    securityhub = org.one(
        "aws:securityhub/organizationConfiguration:OrganizationConfiguration",
        f"securityhub-organization-{region}",
    ).inputs
    assert (securityhub["autoEnable"], securityhub["autoEnableStandards"]) == (False, "NONE")
    assert securityhub["organizationConfiguration"] == {"configurationType": "LOCAL"}
    analyzer = org.one("aws:accessanalyzer/analyzer:Analyzer", f"organization-analyzer-{region}")
    assert (analyzer.inputs["type"], analyzer.inputs["region"]) == ("ORGANIZATION", region)
    admin = org.one(
        "aws:organizations/delegatedAdministrator:DelegatedAdministrator", "access-analyzer-admin"
    )
    assert admin.inputs == {
        "accountId": org.outputs["accountIds"]["security"],
        "servicePrincipal": "access-analyzer.amazonaws.com",
    }
    assert admin.urn in analyzer.dependencies


def test_detector_ids_are_published_per_region_for_the_stage_enrolment(org: Any) -> None:
    ids = org.outputs["guardDutyAdminDetectorIds"]
    assert set(ids) == set(REGIONS)
    for region in REGIONS:
        assert (
            ids[region]
            == org.one("aws:guardduty/detector:Detector", f"security-detector-{region}").id
        )


def test_stage_stacks_reach_the_security_account_only_to_manage_their_membership(
    org: Any,
) -> None:
    ids = org.outputs["accountIds"]
    role = org.one("aws:iam/role:Role", "security-enrollment")
    assert role.inputs["name"] == "pcizone-security-enrollment"
    assert org.outputs["securityEnrollmentRoleArn"] == (
        f"arn:aws:iam::{ids['security']}:role/pcizone-security-enrollment"
    )
    trust = {s["Sid"]: s for s in org.doc(role, "assumeRolePolicy")["Statement"]}
    assert trust["ManagementAccountDeploys"]["Principal"] == {
        "AWS": f"arn:aws:iam::{org.outputs['managementAccountId']}:root"
    }
    stages = [ids["dev"], ids["staging"], ids["prod"]]
    assert trust["StageDeployRoles"]["Principal"] == {
        "AWS": [f"arn:aws:iam::{a}:root" for a in stages]
    }
    assert trust["StageDeployRoles"]["Condition"] == {
        "ArnEquals": {
            "aws:PrincipalArn": [f"arn:aws:iam::{a}:role/pcizone-gha-deploy" for a in stages]
        }
    }
    policy = org.doc(org.one("aws:iam/rolePolicy:RolePolicy", "security-enrollment"))
    resources = {s["Resource"] for s in policy["Statement"]}
    assert resources == {
        f"arn:aws:guardduty:*:{ids['security']}:detector/*",
        f"arn:aws:securityhub:*:{ids['security']}:hub/default",
    }
    actions = [a for s in policy["Statement"] for a in s["Action"]]
    assert all(a.split(":")[1].endswith("Members") for a in actions)
