"""Guardrails that keep detection services and account-level security defaults switched on."""

from __future__ import annotations

from pcizone.landing_zone.documents import document, statement
from pcizone.landing_zone.scps.inputs import Guardrail, GuardrailInputs, Placement


def protect_security_services(inputs: GuardrailInputs) -> Guardrail:
    return Guardrail(
        key="protect-security-services",
        description=(
            "PCI DSS 10.7.1, 11.5.1, 10.4.1: GuardDuty, Security Hub, AWS Config and IAM Access"
            " Analyzer cannot be disabled, deleted or detached from the security account;"
            " only the deploy roles may change their settings."
        ),
        document=document(
            statement(
                "DenyDisablingDetection",
                "Deny",
                actions=[
                    "guardduty:DeleteDetector",
                    "guardduty:DisassociateFromAdministratorAccount",
                    "guardduty:DisassociateFromMasterAccount",
                    "guardduty:DisassociateMembers",
                    "guardduty:DeleteMembers",
                    "guardduty:StopMonitoringMembers",
                    "securityhub:DisableSecurityHub",
                    "securityhub:DisassociateFromAdministratorAccount",
                    "securityhub:DisassociateFromMasterAccount",
                    "securityhub:DisassociateMembers",
                    "securityhub:DeleteMembers",
                    "securityhub:BatchDisableStandards",
                    "config:DeleteConfigurationRecorder",
                    "config:StopConfigurationRecorder",
                    "config:DeleteDeliveryChannel",
                    "config:DeleteRetentionConfiguration",
                    "access-analyzer:DeleteAnalyzer",
                ],
                resources="*",
            ),
            statement(
                "DenyReconfiguringDetection",
                "Deny",
                actions=[
                    "guardduty:UpdateDetector",
                    "config:PutConfigurationRecorder",
                    "config:PutDeliveryChannel",
                ],
                resources="*",
                condition={"ArnNotLike": {"aws:PrincipalArn": inputs.deployer_arns()}},
            ),
        ),
        placement=Placement.TOP_LEVEL,
    )


def protect_account_defaults(inputs: GuardrailInputs) -> Guardrail:
    return Guardrail(
        key="protect-account-defaults",
        description=(
            "PCI DSS 3.5.1, 1.3.1, 1.4.4: EBS encryption by default stays on with its key, and"
            " only the deploy roles may change the account's S3 public access block."
        ),
        document=document(
            statement(
                "DenyDisablingEbsEncryption",
                "Deny",
                actions=["ec2:DisableEbsEncryptionByDefault", "ec2:ResetEbsDefaultKmsKeyId"],
                resources="*",
            ),
            statement(
                "DenyChangingAccountPublicAccessBlock",
                "Deny",
                actions="s3:PutAccountPublicAccessBlock",
                resources="*",
                condition={"ArnNotLike": {"aws:PrincipalArn": inputs.deployer_arns()}},
            ),
        ),
        placement=Placement.TOP_LEVEL,
    )
