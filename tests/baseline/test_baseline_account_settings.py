"""Account-wide and regional settings of the baseline, read from the wire inputs."""

from __future__ import annotations

from typing import Any

import pytest
from pcizone.baseline.regional import SECURITY_STANDARDS

REGIONS = {"dev": ["eu-west-1"], "staging": ["eu-west-1"], "prod": ["eu-west-1", "eu-central-1"]}


def _suffix(stage: str, region: str) -> str:
    return "" if region == REGIONS[stage][0] else f"-{region}"


def _cases() -> list[tuple[str, str]]:
    return [(stage, region) for stage, regions in REGIONS.items() for region in regions]


@pytest.mark.parametrize("stage", list(REGIONS))
def test_s3_account_public_access_block_and_password_policy(
    stages: Any, org_outputs: dict[str, Any], stage: str
) -> None:
    run = stages[stage]
    block = run.one("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", "s3-public-access")
    assert block.inputs == {
        "accountId": org_outputs["accountIds"][stage],
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    password = run.one("aws:iam/accountPasswordPolicy:AccountPasswordPolicy", "password-policy")
    assert password.inputs == {
        "minimumPasswordLength": 14,
        "requireLowercaseCharacters": True,
        "requireUppercaseCharacters": True,
        "requireNumbers": True,
        "requireSymbols": True,
        "allowUsersToChangePassword": True,
        "passwordReusePrevention": 24,
        "maxPasswordAge": 90,
        "hardExpiry": False,
    }


@pytest.mark.parametrize(("stage", "region"), _cases())
def test_ebs_volumes_are_encrypted_by_default_with_the_baseline_key(
    stages: Any, org_outputs: dict[str, Any], stage: str, region: str
) -> None:
    run, sfx = stages[stage], _suffix(stage, region)
    key = run.one("aws:kms/key:Key", f"baseline-key{sfx}")
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    assert run.one(
        "aws:ebs/encryptionByDefault:EncryptionByDefault", f"ebs-encryption{sfx}"
    ).inputs == {"enabled": True}
    default = run.one("aws:ebs/defaultKmsKey:DefaultKmsKey", f"ebs-default-key{sfx}")
    assert default.inputs == {"keyArn": key.outputs["arn"]}
    assert key.outputs["arn"].startswith(
        f"arn:aws:kms:{region}:{org_outputs['accountIds'][stage]}:"
    )
    ebs = run.sids(key)["EbsVolumesOfThisAccount"]
    assert ebs["Condition"] == {
        "StringEquals": {
            "kms:ViaService": f"ec2.{region}.amazonaws.com",
            "kms:CallerAccount": org_outputs["accountIds"][stage],
        }
    }


@pytest.mark.parametrize(("stage", "region"), _cases())
def test_guardduty_protects_s3_and_lambda_and_security_hub_runs_pci_and_fsbp(
    stages: Any, stage: str, region: str
) -> None:
    run, sfx = stages[stage], _suffix(stage, region)
    detector = run.one("aws:guardduty/detector:Detector", f"guardduty{sfx}")
    assert detector.inputs["enable"] is True
    assert detector.inputs["findingPublishingFrequency"] == "FIFTEEN_MINUTES"
    features = {
        f.inputs["name"]: f.inputs["status"]
        for f in run.all("aws:guardduty/detectorFeature:DetectorFeature")
        if f.property_dependencies["detectorId"] == (detector.urn,)
    }
    assert features == {"S3_DATA_EVENTS": "ENABLED", "LAMBDA_NETWORK_LOGS": "ENABLED"}
    hub = run.one("aws:securityhub/account:Account", f"security-hub{sfx}")
    assert hub.inputs["enableDefaultStandards"] is False
    assert hub.inputs["controlFindingGenerator"] == "SECURITY_CONTROL"
    standards = {
        s.inputs["standardsArn"]
        for s in run.all("aws:securityhub/standardsSubscription:StandardsSubscription")
        if run.provider_of(s).name == run.provider_of(hub).name
    }
    assert standards == {
        f"arn:aws:securityhub:{region}::standards/pci-dss/v/4.0.1",
        f"arn:aws:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0",
    }
    assert len(SECURITY_STANDARDS) == 2
    analyzer = run.one("aws:accessanalyzer/analyzer:Analyzer", f"access-analyzer{sfx}")
    assert analyzer.inputs["type"] == "ACCOUNT"


@pytest.mark.parametrize(("stage", "region"), _cases())
def test_config_records_everything_into_the_log_archive(
    stages: Any, org_outputs: dict[str, Any], stage: str, region: str
) -> None:
    run, sfx = stages[stage], _suffix(stage, region)
    role = run.one("aws:iam/serviceLinkedRole:ServiceLinkedRole", "config-service-role")
    assert role.inputs["awsServiceName"] == "config.amazonaws.com"
    recorder = run.one("aws:cfg/recorder:Recorder", f"config-recorder{sfx}")
    assert recorder.inputs["roleArn"] == role.outputs["arn"]
    assert recorder.inputs["recordingGroup"] == {
        "allSupported": True,
        # Global resources (IAM) are recorded once, in the home region.
        "includeGlobalResourceTypes": sfx == "",
    }
    assert recorder.inputs["recordingMode"] == {"recordingFrequency": "CONTINUOUS"}
    channel = run.one("aws:cfg/deliveryChannel:DeliveryChannel", f"config-delivery{sfx}")
    assert channel.inputs["s3BucketName"] == org_outputs["logArchiveBucketName"]
    assert channel.inputs["s3KmsKeyArn"] == org_outputs["logArchiveKeyArn"]
    assert "s3KeyPrefix" not in channel.inputs  # AWSLogs/<account>/Config/, as the bucket allows
    status = run.one("aws:cfg/recorderStatus:RecorderStatus", f"config-recording{sfx}")
    assert status.inputs["isEnabled"] is True
    assert channel.urn in status.dependencies


@pytest.mark.parametrize(("stage", "region"), _cases())
def test_the_security_account_enrols_the_account_after_its_own_detector_and_hub(
    stages: Any, org_outputs: dict[str, Any], stage: str, region: str
) -> None:
    run, sfx = stages[stage], _suffix(stage, region)
    member = run.one("aws:guardduty/member:Member", f"guardduty-membership{sfx}")
    assert member.inputs == {
        "region": region,
        "detectorId": org_outputs["guardDutyAdminDetectorIds"][region],
        "accountId": org_outputs["accountIds"][stage],
        "email": org_outputs["accountEmails"][stage],
        "invite": False,
        "disableEmailNotification": True,
    }
    assert run.one("aws:guardduty/detector:Detector", f"guardduty{sfx}").urn in member.dependencies
    hub_member = run.one("aws:securityhub/member:Member", f"securityhub-membership{sfx}")
    assert hub_member.inputs == {
        "region": region,
        "accountId": org_outputs["accountIds"][stage],
        "invite": False,
    }
    assert run.one("aws:securityhub/account:Account", f"security-hub{sfx}").urn in (
        hub_member.dependencies
    )
