"""SNS: topics (id: the ARN), their policies and subscriptions (nothing is delivered locally:
an email subscription stays "pending confirmation", as it would until someone clicks)."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    PutHandler,
    ResourceContext,
    as_json,
    ignore_missing,
    tag_list,
)

_ATTRIBUTES = {
    "displayName": "DisplayName",
    "policy": "Policy",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "deliveryPolicy": "DeliveryPolicy",
    "signatureVersion": "SignatureVersion",
    "tracingConfig": "TracingConfig",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "archivePolicy": "ArchivePolicy",
}
_CREATE_ONLY = {"fifoTopic": "FifoTopic"}


def _sns(ctx: ResourceContext) -> Any:
    return ctx.client("sns")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return str(as_json(value))
    return str(value)


class Topic(Handler):
    type = "aws:sns/topic:Topic"
    replace_on = frozenset({"name", "namePrefix", "fifoTopic"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        suffix = ".fifo" if inputs.get("fifoTopic") else ""
        name = ctx.name_or_auto(inputs, max_len=256, suffix=suffix)
        attributes = {
            api: _text(inputs[key])
            for key, api in {**_ATTRIBUTES, **_CREATE_ONLY}.items()
            if inputs.get(key) not in (None, "")
        }
        tags = ctx.tags(inputs)
        arn = _sns(ctx).create_topic(
            Name=name, Attributes=attributes, **({"Tags": tag_list(tags)} if tags else {})
        )["TopicArn"]
        return Deployed(
            arn,
            {
                "arn": arn,
                "name": name,
                "owner": ctx.account,
                "beginningArchiveTime": "",
                "tagsAll": tags,
            },
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        client = _sns(ctx)
        for key in sorted(changed & set(_ATTRIBUTES)):
            client.set_topic_attributes(
                TopicArn=current.id,
                AttributeName=_ATTRIBUTES[key],
                AttributeValue=_text(inputs.get(key) or ""),
            )
        tags = ctx.tags(inputs)
        if tags:
            client.tag_resource(ResourceArn=current.id, Tags=tag_list(tags))
        return Deployed(current.id, {**current.outputs, "tagsAll": tags})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_sns(ctx).delete_topic, TopicArn=current.id)


class TopicPolicy(PutHandler):
    type = "aws:sns/topicPolicy:TopicPolicy"
    replace_on = frozenset({"arn"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        arn = str(inputs["arn"])
        _sns(ctx).set_topic_attributes(
            TopicArn=arn, AttributeName="Policy", AttributeValue=_text(inputs["policy"])
        )
        return Deployed(arn, {"owner": ctx.account})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        # A topic always has a policy; removing ours leaves the topic's own default in place.
        return


class TopicSubscription(Handler):
    type = "aws:sns/topicSubscription:TopicSubscription"
    replace_on = frozenset({"topic", "protocol", "endpoint"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        attributes = {
            api: _text(inputs[key])
            for key, api in (
                ("filterPolicy", "FilterPolicy"),
                ("filterPolicyScope", "FilterPolicyScope"),
                ("rawMessageDelivery", "RawMessageDelivery"),
                ("redrivePolicy", "RedrivePolicy"),
                ("deliveryPolicy", "DeliveryPolicy"),
                ("subscriptionRoleArn", "SubscriptionRoleArn"),
            )
            if inputs.get(key) not in (None, "")
        }
        arn = _sns(ctx).subscribe(
            TopicArn=inputs["topic"],
            Protocol=inputs["protocol"],
            Endpoint=inputs["endpoint"],
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        pending = inputs["protocol"] in {"email", "email-json", "http", "https"}
        return Deployed(
            arn,
            {
                "arn": arn,
                "ownerId": ctx.account,
                "pendingConfirmation": pending,
                "confirmationWasAuthenticated": False,
            },
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_sns(ctx).unsubscribe, SubscriptionArn=current.id)


HANDLERS: tuple[Handler, ...] = (Topic(), TopicPolicy(), TopicSubscription())
