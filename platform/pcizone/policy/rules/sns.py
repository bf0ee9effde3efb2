"""SNS topics (security and payment alerts): encrypted with a customer managed key."""

from __future__ import annotations

from collections.abc import Iterator

from pcizone.policy import aws_types as t
from pcizone.policy.checks import customer_managed_key
from pcizone.policy.spec import Level, Severity, resource_policy
from pcizone.policy.views import Context, Resource

AWS_MANAGED_KEY = "alias/aws/sns"


@resource_policy(
    "pci-sns-kms",
    "SNS topics are encrypted with a customer managed KMS key.",
    requirements=("3.5.1", "10.3.2"),
    severity=Severity.MEDIUM,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.SNS_TOPIC,),
    remediation="Set kms_master_key_id to a customer managed key that CloudWatch may use.",
)
def sns_kms(topic: Resource, _ctx: Context) -> Iterator[str]:
    yield from customer_managed_key(
        "kmsMasterKeyId", topic.props.get("kmsMasterKeyId"), AWS_MANAGED_KEY
    )
