"""An encrypted SNS topic for security alerts, with e-mail subscriptions and a TLS-only policy."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming
from pcizone.landing_zone.documents import (
    Document,
    Statement,
    deny_insecure_transport,
    document,
    render,
    statement,
)
from pcizone.landing_zone.iam_grammar import DocumentKind


def alert_topic(
    name: str,
    *,
    naming: Naming,
    account_id: pulumi.Input[str],
    key_arn: pulumi.Input[str],
    emails: list[str],
    component: str,
    opts: pulumi.ResourceOptions,
) -> aws.sns.Topic:
    topic = aws.sns.Topic(
        name,
        name=naming.name(name),
        kms_master_key_id=key_arn,
        tags=naming.tags(DataClass.INTERNAL, component=component),
        opts=opts,
    )
    aws.sns.TopicPolicy(
        f"{name}-policy",
        arn=topic.arn,
        policy=pulumi.Output.all(topic.arn, account_id).apply(
            lambda args: render(topic_policy(args[0], args[1]), DocumentKind.TOPIC, name)
        ),
        opts=opts,
    )
    for index, email in enumerate(emails):
        aws.sns.TopicSubscription(
            f"{name}-email-{index}",
            topic=topic.arn,
            protocol="email",
            endpoint=email,
            opts=opts,
        )
    return topic


def alert_publishers_key_statement(account_id: str) -> Statement:
    """For the topic's key policy: alarms and rules of this account publish encrypted."""
    return statement(
        "AlertPublishersUseKey",
        "Allow",
        principal={"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
        actions=["kms:GenerateDataKey*", "kms:Decrypt"],
        resources="*",
        condition={"StringEquals": {"aws:SourceAccount": account_id}},
    )


def topic_policy(topic_arn: str, account_id: str) -> Document:
    return document(
        deny_insecure_transport("sns", [topic_arn]),
        statement(
            "AlarmsPublish",
            "Allow",
            principal={"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
            actions="sns:Publish",
            resources=topic_arn,
            condition={"StringEquals": {"aws:SourceAccount": account_id}},
        ),
        statement(
            "AccountManagesTopic",
            "Allow",
            principal={"AWS": f"arn:aws:iam::{account_id}:root"},
            actions=[
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:ListSubscriptionsByTopic",
                "sns:Publish",
            ],
            resources=topic_arn,
        ),
    )
