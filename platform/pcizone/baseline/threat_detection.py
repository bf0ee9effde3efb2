"""GuardDuty detectors with S3 and Lambda protection (PCI DSS 11.5.1, 5.3.4)."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming

# S3 protection watches data-plane events on buckets; Lambda protection watches the network
# activity of functions. Both are set explicitly, never left to a detector default.
PROTECTION_FEATURES = ("S3_DATA_EVENTS", "LAMBDA_NETWORK_LOGS")
PUBLISHING_FREQUENCY = "FIFTEEN_MINUTES"


def guardduty_detector(
    name: str,
    naming: Naming,
    *,
    component: str,
    opts: pulumi.ResourceOptions,
    region: str | None = None,
) -> aws.guardduty.Detector:
    """`region` overrides the provider's region (None: the provider's)."""
    detector = aws.guardduty.Detector(
        name,
        region=region,
        enable=True,
        finding_publishing_frequency=PUBLISHING_FREQUENCY,
        tags=naming.tags(DataClass.INTERNAL, component=component),
        opts=opts,
    )
    for feature in PROTECTION_FEATURES:
        aws.guardduty.DetectorFeature(
            f"{name}-{feature.lower().replace('_', '-')}",
            region=region,
            detector_id=detector.id,
            name=feature,
            status="ENABLED",
            opts=opts,
        )
    return detector


def security_hub(
    name: str, *, opts: pulumi.ResourceOptions, region: str | None = None
) -> aws.securityhub.Account:
    """Security Hub with consolidated control findings; standards are subscribed explicitly."""
    return aws.securityhub.Account(
        name,
        region=region,
        enable_default_standards=False,
        control_finding_generator="SECURITY_CONTROL",
        auto_enable_controls=True,
        opts=opts,
    )
