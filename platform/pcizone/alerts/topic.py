"""The alarm topic: SSE-KMS, TLS-only, publishable by CloudWatch alarms of this account only."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming
from pcizone.data.placement import Placement
from pcizone.data.policy_documents import deny_insecure_transport, document


class AlarmTopic(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        emails: Sequence[str],
        key_arn: pulumi.Input[str],
        naming: Naming,
        placement: Placement,
        name_suffix: str = "",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:alerts:AlarmTopic", name, None, opts)
        self.topic = aws.sns.Topic(
            f"{name}-topic",
            name=naming.name(f"alarms{name_suffix}"),
            display_name=f"pcizone {naming.identity.name} alarms",
            kms_master_key_id=key_arn,
            signature_version=2,  # SHA256 signatures on deliveries
            tags=naming.tags(DataClass.INTERNAL, component="alerts"),
            opts=placement.opts(self),
        )
        aws.sns.TopicPolicy(
            f"{name}-policy",
            arn=self.topic.arn,
            policy=document(
                [
                    {
                        "Sid": "CloudWatchAlarmsOfThisAccount",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudwatch.amazonaws.com"},
                        "Action": "sns:Publish",
                        "Resource": self.topic.arn,
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": placement.account_id},
                            "ArnLike": {"aws:SourceArn": placement.arn("cloudwatch", "alarm:*")},
                        },
                    },
                    deny_insecure_transport("TlsOnly", ["sns:Publish"], [self.topic.arn]),
                ]
            ),
            opts=placement.opts(self),
        )
        for index, email in enumerate(emails):
            aws.sns.TopicSubscription(
                f"{name}-email-{index}",
                topic=self.topic.arn,
                protocol="email",
                endpoint=email,
                opts=placement.opts(self),
            )
        self.register_outputs({"topicArn": self.topic.arn})
