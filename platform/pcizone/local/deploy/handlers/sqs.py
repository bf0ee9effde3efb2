"""SQS queues and their policies. A queue's id is its URL, as in pulumi-aws.

SQS attributes are strings; an integral float such as "1209600.0" makes the emulator answer
HTTP 500, so numbers are sent as integers.
"""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    PutHandler,
    ResourceContext,
    as_json,
    ignore_missing,
)

# pulumi-aws input -> SQS attribute
_ATTRIBUTES = {
    "delaySeconds": "DelaySeconds",
    "maxMessageSize": "MaximumMessageSize",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "policy": "Policy",
    "redrivePolicy": "RedrivePolicy",
    "redriveAllowPolicy": "RedriveAllowPolicy",
    "fifoQueue": "FifoQueue",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
    "deduplicationScope": "DeduplicationScope",
    "fifoThroughputLimit": "FifoThroughputLimit",
}
# Only settable when the queue is created.
_CREATE_ONLY = frozenset({"FifoQueue"})
_FIFO_SUFFIX = ".fifo"
_MAX_NAME = 80


def _sqs(ctx: ResourceContext) -> Any:
    return ctx.client("sqs")


def attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return str(as_json(value))
    return str(value)


def queue_attributes(inputs: dict[str, Any], *, creating: bool) -> dict[str, str]:
    attributes = {
        attribute: attribute_text(inputs[key])
        for key, attribute in _ATTRIBUTES.items()
        if inputs.get(key) not in (None, "")
    }
    if not creating:
        attributes = {k: v for k, v in attributes.items() if k not in _CREATE_ONLY}
    return attributes


class Queue(Handler):
    type = "aws:sqs/queue:Queue"
    replace_on = frozenset({"name", "namePrefix", "fifoQueue"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        fifo = bool(inputs.get("fifoQueue"))
        suffix = _FIFO_SUFFIX if fifo else ""
        name = ctx.name_or_auto(inputs, max_len=_MAX_NAME, suffix=suffix)
        client = _sqs(ctx)
        params: dict[str, Any] = {
            "QueueName": name,
            "Attributes": queue_attributes(inputs, creating=True),
        }
        tags = ctx.tags(inputs)
        if tags:
            params["tags"] = tags
        url = client.create_queue(**params)["QueueUrl"]
        return Deployed(url, self._outputs(ctx, url, name, tags))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        client = _sqs(ctx)
        attributes = queue_attributes(inputs, creating=False)
        # A removed redrive or policy is cleared, as AWS does when the setting is unset.
        for key in changed & {"redrivePolicy", "policy", "redriveAllowPolicy"}:
            attributes.setdefault(_ATTRIBUTES[key], "")
        if attributes:
            client.set_queue_attributes(QueueUrl=current.id, Attributes=attributes)
        tags = ctx.tags(inputs)
        if tags:
            client.tag_queue(QueueUrl=current.id, Tags=tags)
        return Deployed(current.id, {**current.outputs, "tagsAll": tags})

    def _outputs(
        self, ctx: ResourceContext, url: str, name: str, tags: dict[str, str]
    ) -> dict[str, Any]:
        arn = _sqs(ctx).get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        return {"url": url, "arn": arn, "name": name, "tagsAll": tags}

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_sqs(ctx).delete_queue, QueueUrl=current.id)


class _QueueAttribute(PutHandler):
    """A resource that owns one attribute of a queue (id: the queue URL)."""

    attribute: str
    input_key: str

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        url = str(inputs["queueUrl"])
        _sqs(ctx).set_queue_attributes(
            QueueUrl=url, Attributes={self.attribute: attribute_text(inputs[self.input_key])}
        )
        return Deployed(url)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(
            _sqs(ctx).set_queue_attributes, QueueUrl=current.id, Attributes={self.attribute: ""}
        )


class QueuePolicy(_QueueAttribute):
    type = "aws:sqs/queuePolicy:QueuePolicy"
    replace_on = frozenset({"queueUrl"})
    attribute = "Policy"
    input_key = "policy"


class RedrivePolicy(_QueueAttribute):
    type = "aws:sqs/redrivePolicy:RedrivePolicy"
    replace_on = frozenset({"queueUrl"})
    attribute = "RedrivePolicy"
    input_key = "redrivePolicy"


class RedriveAllowPolicy(_QueueAttribute):
    type = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"
    replace_on = frozenset({"queueUrl"})
    attribute = "RedriveAllowPolicy"
    input_key = "redriveAllowPolicy"


HANDLERS: tuple[Handler, ...] = (Queue(), QueuePolicy(), RedrivePolicy(), RedriveAllowPolicy())
