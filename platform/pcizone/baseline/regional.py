"""The regional part of the baseline, applied in every region a stage stack deploys to.

EBS default encryption, GuardDuty, Security Hub, IAM Access Analyzer and AWS Config are
regional services: a region without them is a blind spot (PCI DSS 10.2.1, 11.5.1).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.baseline.baseline_key import baseline_key
from pcizone.baseline.org_outputs import OrgOutputs
from pcizone.baseline.threat_detection import guardduty_detector, security_hub
from pcizone.core.naming import DataClass, Naming

COMPONENT = "baseline"
SECURITY_STANDARDS = (
    "standards/pci-dss/v/4.0.1",
    "standards/aws-foundational-security-best-practices/v/1.0.0",
)
CONFIG_SNAPSHOT_FREQUENCY = "TwentyFour_Hours"


@dataclass(frozen=True)
class Region:
    """Where the regional baseline goes: the account's provider for that region."""

    name: str
    provider: aws.Provider
    home: bool  # the stack's own region: account-wide resources and global Config records

    @property
    def suffix(self) -> str:
        return "" if self.home else f"-{self.name}"


@dataclass(frozen=True)
class RegionalBaseline:
    key: aws.kms.Key
    detector: aws.guardduty.Detector
    hub: aws.securityhub.Account
    recorder: aws.cfg.Recorder


def standards_arn(region: str, standard: str) -> str:
    return f"arn:aws:securityhub:{region}::{standard}"


def regional_baseline(
    naming: Naming,
    region: Region,
    *,
    org: OrgOutputs,
    config_role_arn: pulumi.Input[str],
    security_provider: aws.Provider,
    parent: pulumi.Resource,
) -> RegionalBaseline:
    opts = pulumi.ResourceOptions(parent=parent, provider=region.provider)
    sfx = region.suffix

    def after(*resources: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(depends_on=list(resources))
        )

    key = baseline_key(
        f"baseline-key{sfx}",
        naming,
        region=region.name,
        account_id=org.account_id,
        alias_suffix=sfx,
        opts=opts,
    )
    aws.ebs.EncryptionByDefault(f"ebs-encryption{sfx}", enabled=True, opts=opts)
    aws.ebs.DefaultKmsKey(f"ebs-default-key{sfx}", key_arn=key.arn, opts=opts)
    aws.accessanalyzer.Analyzer(
        f"access-analyzer{sfx}",
        analyzer_name=naming.name("account-analyzer"),
        type="ACCOUNT",
        tags=naming.tags(DataClass.INTERNAL, component=COMPONENT),
        opts=opts,
    )
    detector = guardduty_detector(f"guardduty{sfx}", naming, component=COMPONENT, opts=opts)
    hub = security_hub(f"security-hub{sfx}", opts=opts)
    for standard in SECURITY_STANDARDS:
        aws.securityhub.StandardsSubscription(
            f"standard-{standard.split('/')[1]}{sfx}",
            standards_arn=standards_arn(region.name, standard),
            opts=after(hub),
        )
    recorder = aws.cfg.Recorder(
        f"config-recorder{sfx}",
        name=naming.name("config"),
        role_arn=config_role_arn,
        recording_group=aws.cfg.RecorderRecordingGroupArgs(
            all_supported=True, include_global_resource_types=region.home
        ),
        recording_mode=aws.cfg.RecorderRecordingModeArgs(recording_frequency="CONTINUOUS"),
        opts=opts,
    )
    channel = aws.cfg.DeliveryChannel(
        f"config-delivery{sfx}",
        name=naming.name("config"),
        s3_bucket_name=org.log_archive_bucket_name,
        s3_kms_key_arn=org.log_archive_key_arn,
        snapshot_delivery_properties=aws.cfg.DeliveryChannelSnapshotDeliveryPropertiesArgs(
            delivery_frequency=CONFIG_SNAPSHOT_FREQUENCY
        ),
        opts=after(recorder),
    )
    aws.cfg.RecorderStatus(
        f"config-recording{sfx}", name=recorder.name, is_enabled=True, opts=after(channel)
    )
    _enrol(region, org, detector, hub, security_provider, parent)
    return RegionalBaseline(key, detector, hub, recorder)


def _enrol(
    region: Region,
    org: OrgOutputs,
    detector: aws.guardduty.Detector,
    hub: aws.securityhub.Account,
    security_provider: aws.Provider,
    parent: pulumi.Resource,
) -> None:
    """The security account (delegated administrator) takes this account in as a member,
    once this account's own detector and hub exist (so neither is created twice)."""

    def in_security(after: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=parent, provider=security_provider, depends_on=[after])

    aws.guardduty.Member(
        f"guardduty-membership{region.suffix}",
        region=region.name,
        detector_id=org.admin_detector_id(region.name),
        account_id=org.account_id,
        email=org.account_email,
        invite=False,
        disable_email_notification=True,
        opts=in_security(detector),
    )
    aws.securityhub.Member(
        f"securityhub-membership{region.suffix}",
        region=region.name,
        account_id=org.account_id,
        invite=False,
        opts=in_security(hub),
    )
