"""Each stage's foundation declares exactly these resources, in the right account and region."""

from __future__ import annotations

import json
from typing import Any

import pytest

HOME, DR, SECURITY = "account", "baseline-dr", "security-account"
DR_REGION = "eu-central-1"  # pcizone:dr.region of Pulumi.prod.yaml

REGIONAL = {
    "aws:kms/key:Key": ["baseline-key"],
    "aws:kms/alias:Alias": ["baseline-key{sfx}-alias"],
    "aws:ebs/encryptionByDefault:EncryptionByDefault": ["ebs-encryption"],
    "aws:ebs/defaultKmsKey:DefaultKmsKey": ["ebs-default-key"],
    "aws:accessanalyzer/analyzer:Analyzer": ["access-analyzer"],
    "aws:guardduty/detector:Detector": ["guardduty"],
    "aws:guardduty/detectorFeature:DetectorFeature": [
        "guardduty{sfx}-s3-data-events",
        "guardduty{sfx}-lambda-network-logs",
    ],
    "aws:securityhub/account:Account": ["security-hub"],
    "aws:securityhub/standardsSubscription:StandardsSubscription": [
        "standard-pci-dss",
        "standard-aws-foundational-security-best-practices",
    ],
    "aws:cfg/recorder:Recorder": ["config-recorder"],
    "aws:cfg/deliveryChannel:DeliveryChannel": ["config-delivery"],
    "aws:cfg/recorderStatus:RecorderStatus": ["config-recording"],
}
ENROLMENT = {
    "aws:guardduty/member:Member": "guardduty-membership",
    "aws:securityhub/member:Member": "securityhub-membership",
}
ACCOUNT_WIDE = {
    "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock": ["s3-public-access"],
    "aws:iam/accountPasswordPolicy:AccountPasswordPolicy": ["password-policy"],
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": ["config-service-role"],
    "aws:iam/role:Role": [
        "person-platform-admin",
        "person-developer",
        "person-auditor",
        "person-break-glass",
        "log-delivery",
        "log-subscription",
    ],
    "aws:iam/rolePolicy:RolePolicy": [
        *(f"person-{p}-deny-cardholder-data" for p in ("platform-admin", "developer", "auditor")),
        "person-break-glass-deny-cardholder-data",
        "person-platform-admin-permissions",
        "person-break-glass-permissions",
        "log-delivery",
        "log-subscription",
    ],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": [
        f"person-{p}-managed-0" for p in ("platform-admin", "developer", "auditor", "break-glass")
    ],
    "aws:sns/topic:Topic": ["security-alerts"],
    "aws:sns/topicPolicy:TopicPolicy": ["security-alerts-policy"],
    "aws:cloudwatch/eventRule:EventRule": ["break-glass-used"],
    "aws:cloudwatch/eventTarget:EventTarget": ["break-glass-used-notify"],
    "aws:cloudwatch/metricAlarm:MetricAlarm": ["break-glass-used"],
    "aws:cloudwatch/logGroup:LogGroup": ["log-delivery-errors"],
    "aws:cloudwatch/logStream:LogStream": ["log-delivery-errors"],
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": ["log-archive"],
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": ["app-logs-archive-subscription"],
}
# Declared by the fixture program in the data plane's place.
FIXTURE = {("aws:kms/key:Key", "logs-key"), ("aws:cloudwatch/logGroup:LogGroup", "app-logs")}
ALERT_EMAILS = {
    "dev": ["payments-dev-alerts@example.com"],
    "staging": ["payments-staging-alerts@example.com"],
    "prod": ["payments-prod-alerts@example.com", "security-alerts@example.com"],
}


def expected(stage: str) -> dict[tuple[str, str], str]:
    """(type, name) -> the provider that declares it."""
    table: dict[tuple[str, str], str] = {key: HOME for key in FIXTURE}
    for type_, names in ACCOUNT_WIDE.items():
        table |= {(type_, name): HOME for name in names}
    table |= {
        ("aws:sns/topicSubscription:TopicSubscription", f"security-alerts-email-{i}"): HOME
        for i in range(len(ALERT_EMAILS[stage]))
    }
    regions = [("", HOME)] + ([(f"-{DR_REGION}", DR)] if stage == "prod" else [])
    for sfx, provider in regions:
        for type_, names in REGIONAL.items():
            for name in names:
                full = name.format(sfx=sfx) if "{sfx}" in name else f"{name}{sfx}"
                table[(type_, full)] = provider
        for type_, name in ENROLMENT.items():
            table[(type_, f"{name}{sfx}")] = SECURITY
    return table


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_foundation_declares_exactly_the_expected_resources_per_provider(
    stages: Any, stage: str
) -> None:
    run = stages[stage]
    got = {(r.type, r.name): run.provider_of(r).name for r in run.custom_resources()}
    assert got == expected(stage)


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_providers_reach_the_stage_account_its_dr_region_and_the_security_account(
    stages: Any, org_outputs: dict[str, Any], stage: str
) -> None:
    run = stages[stage]
    ids = org_outputs["accountIds"]
    providers = {p.name: p.inputs for p in run.all("pulumi:providers:aws")}
    want = {HOME: (ids[stage], "eu-west-1"), SECURITY: (ids["security"], "eu-west-1")}
    if stage == "prod":
        want[DR] = (ids["prod"], DR_REGION)
    assert set(providers) == set(want)
    for name, (account, region) in want.items():
        (role,) = json.loads(providers[name]["assumeRoles"])
        # The security account only through its enrolment role, never as an administrator.
        role_name = (
            "pcizone-security-enrollment" if name == SECURITY else "OrganizationAccountAccessRole"
        )
        assert role["roleArn"] == f"arn:aws:iam::{account}:role/{role_name}"
        assert json.loads(providers[name]["allowedAccountIds"]) == [account]
        assert providers[name]["region"] == region


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_exports_name_the_pipeline_the_alert_topic_and_the_people_roles(
    stages: Any, org_outputs: dict[str, Any], stage: str
) -> None:
    run = stages[stage]
    account = org_outputs["accountIds"][stage]
    outputs = run.outputs
    assert set(outputs) == {
        "logFirehoseArn",
        "logSubscriptionRoleArn",
        "securityAlertsTopicArn",
        "peopleRoleArns",
    }
    stream = run.one("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "log-archive")
    assert outputs["logFirehoseArn"] == stream.outputs["arn"]
    assert outputs["logSubscriptionRoleArn"] == (
        f"arn:aws:iam::{account}:role/pcz-{stage}-log-subscription"
    )
    assert outputs["peopleRoleArns"] == {
        "platform-admin": f"arn:aws:iam::{account}:role/pcizone-platform",
        "developer": f"arn:aws:iam::{account}:role/pcizone-developer",
        "auditor": f"arn:aws:iam::{account}:role/pcizone-auditor",
        "break-glass": f"arn:aws:iam::{account}:role/pcizone-break-glass",
    }
