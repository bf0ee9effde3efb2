"""The payments queue and its dead-letter queue.

SSE-KMS with the queue key (PCI DSS 3.5.1), a policy that refuses anything but TLS (4.2.1),
long polling, a visibility timeout of at least 6x the worker's timeout (validated in the
config) so a message is never handed to a second worker while the first still runs, and a
redrive to the DLQ after maxReceiveCount receives. The DLQ keeps messages 14 days, longer than
the source queue, so nothing expires there before the auditor and a person have seen it.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from pcizone.config.payments_settings import QueueSettings
from pcizone.core.naming import DataClass, Naming
from pcizone.data.placement import Placement
from pcizone.data.policy_documents import deny_insecure_transport, document

VISIBILITY_FACTOR = 6  # AWS guidance for queues consumed by Lambda
KMS_DATA_KEY_REUSE_SECONDS = 300  # the SQS default, explicit: fewer KMS calls, 5-minute keys


def queue_name(naming: Naming, base: str, *, fifo: bool) -> str:
    # SQS names: 80 characters including the mandatory ".fifo" suffix of FIFO queues.
    suffix = ".fifo" if fifo else ""
    return naming.name(base, max_len=80 - len(suffix)) + suffix


def dlq_visibility(settings: QueueSettings, auditor_timeout_seconds: int) -> int:
    """The DLQ is consumed by the auditor: the same 6x rule, against the auditor's timeout."""
    return max(settings.visibility_timeout_seconds, VISIBILITY_FACTOR * auditor_timeout_seconds)


class PaymentQueues(pulumi.ComponentResource):
    """`dlq_visibility_timeout_seconds`: 6x the DLQ auditor's timeout (see `dlq_visibility`)."""

    def __init__(
        self,
        name: str,
        *,
        settings: QueueSettings,
        dlq_visibility_timeout_seconds: int,
        key_arn: pulumi.Input[str],
        naming: Naming,
        placement: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:payments:Queues", name, None, opts)
        self._settings = settings
        self._key_arn = key_arn
        self._naming = naming
        self._placement = placement
        self.dlq = self._queue(
            f"{name}-dlq",
            "payments-dlq",
            retention_seconds=settings.dlq_retention_seconds,
            visibility_seconds=dlq_visibility_timeout_seconds,
            redrive_policy=None,
        )
        self.queue = self._queue(
            f"{name}-queue",
            "payments",
            retention_seconds=settings.message_retention_seconds,
            visibility_seconds=settings.visibility_timeout_seconds,
            redrive_policy=self.dlq.arn.apply(
                lambda arn: json.dumps(
                    {"deadLetterTargetArn": arn, "maxReceiveCount": settings.max_receive_count}
                )
            ),
        )
        # Only the payments queue may dead-letter into the DLQ.
        aws.sqs.RedriveAllowPolicy(
            f"{name}-dlq-allow",
            queue_url=self.dlq.url,
            redrive_allow_policy=self.queue.arn.apply(
                lambda arn: json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [arn]})
            ),
            opts=placement.opts(self),
        )
        for queue, key in ((self.queue, "queue"), (self.dlq, "dlq")):
            aws.sqs.QueuePolicy(
                f"{name}-{key}-policy",
                queue_url=queue.url,
                policy=document([deny_insecure_transport("TlsOnly", ["sqs:*"], [queue.arn])]),
                opts=placement.opts(self),
            )
        self.register_outputs({"queueUrl": self.queue.url, "dlqUrl": self.dlq.url})

    def _queue(
        self,
        resource_name: str,
        base: str,
        *,
        retention_seconds: int,
        visibility_seconds: int,
        redrive_policy: pulumi.Input[str] | None,
    ) -> aws.sqs.Queue:
        fifo = self._settings.fifo
        return aws.sqs.Queue(
            resource_name,
            name=queue_name(self._naming, base, fifo=fifo),
            fifo_queue=fifo,
            sqs_managed_sse_enabled=False,
            kms_master_key_id=self._key_arn,
            kms_data_key_reuse_period_seconds=KMS_DATA_KEY_REUSE_SECONDS,
            message_retention_seconds=retention_seconds,
            visibility_timeout_seconds=visibility_seconds,
            receive_wait_time_seconds=self._settings.receive_wait_time_seconds,
            delay_seconds=0,
            redrive_policy=redrive_policy,
            # FIFO: deduplicate on content. A re-sent outbox row carries the same body and SQS
            # drops the copy within its 5-minute window (the worker is idempotent beyond that).
            content_based_deduplication=True if fifo else None,
            deduplication_scope="messageGroup" if fifo else None,
            fifo_throughput_limit="perMessageGroupId" if fifo else None,
            tags=self._naming.tags(DataClass.CARDHOLDER_DATA, component="payments"),
            opts=self._placement.opts(self),
        )
