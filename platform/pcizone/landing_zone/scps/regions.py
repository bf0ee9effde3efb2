"""The region guardrail: nothing runs outside the configured regions (global services exempt)."""

from __future__ import annotations

from pcizone.landing_zone.documents import document, statement
from pcizone.landing_zone.scps.inputs import Guardrail, GuardrailInputs, Placement

# Actions of global services, whose requests carry us-east-1 (or no region) whatever the
# caller's region: denying them by region would break IAM, Organizations, STS and billing.
GLOBAL_SERVICE_ACTIONS = (
    "account:*",
    "aws-portal:*",
    "budgets:*",
    "ce:*",
    "cloudfront:*",
    "cur:*",
    "ec2:DescribeRegions",
    "globalaccelerator:*",
    "health:*",
    "iam:*",
    "networkmanager:*",
    "organizations:*",
    "pricing:*",
    "route53:*",
    "route53domains:*",
    "s3:GetAccountPublicAccessBlock",
    "s3:ListAllMyBuckets",
    "s3:PutAccountPublicAccessBlock",
    "shield:*",
    "sso:*",
    "sts:*",
    "support:*",
    "trustedadvisor:*",
    "waf:*",
    "wafv2:*",
)


def deny_other_regions(inputs: GuardrailInputs) -> Guardrail:
    return Guardrail(
        key="deny-other-regions",
        description=(
            "PCI DSS 1.3.1, 12.5.2: the cardholder data environment stays in the regions of"
            " pcizone:organization.allowedRegions; requests to any other region are denied,"
            " global services excepted."
        ),
        document=document(
            statement(
                "DenyOutsideAllowedRegions",
                "Deny",
                not_actions=GLOBAL_SERVICE_ACTIONS,
                resources="*",
                condition={
                    "StringNotEquals": {"aws:RequestedRegion": list(inputs.allowed_regions)}
                },
            )
        ),
        placement=Placement.ROOT,
    )
