"""The baseline key of an account and region: EBS volumes by default, and security alerts."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming
from pcizone.landing_zone.alert_topic import alert_publishers_key_statement
from pcizone.landing_zone.documents import Document, account_root, document, render, statement
from pcizone.landing_zone.iam_grammar import DocumentKind
from pcizone.landing_zone.log_archive_policies import key_administration

EBS_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:CreateGrant",
    "kms:DescribeKey",
)


def baseline_key_policy(region: str, account_id: str) -> Document:
    return document(
        key_administration(account_id),
        statement(
            "EbsVolumesOfThisAccount",
            "Allow",
            principal={"AWS": account_root(account_id)},
            actions=list(EBS_ACTIONS),
            resources="*",
            condition={
                "StringEquals": {
                    "kms:ViaService": f"ec2.{region}.amazonaws.com",
                    "kms:CallerAccount": account_id,
                }
            },
        ),
        alert_publishers_key_statement(account_id),
    )


def baseline_key(
    name: str,
    naming: Naming,
    *,
    region: str,
    account_id: pulumi.Output[str],
    alias_suffix: str,
    opts: pulumi.ResourceOptions,
) -> aws.kms.Key:
    key = aws.kms.Key(
        name,
        description="Account defaults: EBS encryption by default and security alert topics",
        key_usage="ENCRYPT_DECRYPT",
        customer_master_key_spec="SYMMETRIC_DEFAULT",
        enable_key_rotation=True,
        rotation_period_in_days=365,
        deletion_window_in_days=30,
        is_enabled=True,
        multi_region=False,
        bypass_policy_lockout_safety_check=False,
        policy=account_id.apply(
            lambda a: render(baseline_key_policy(region, a), DocumentKind.KEY, "baseline key")
        ),
        tags=naming.tags(DataClass.INTERNAL, component="baseline"),
        opts=opts,
    )
    aws.kms.Alias(
        f"{name}-alias",
        name=f"alias/{naming.name('baseline' + alias_suffix)}",
        target_key_id=key.key_id,
        opts=opts,
    )
    return key
