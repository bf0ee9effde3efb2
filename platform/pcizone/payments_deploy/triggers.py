"""What invokes the functions besides the API: queue event sources, the relay's schedule, and
where a failed asynchronous invocation goes."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from pcizone.config.payments_settings import PaymentsSettings
from pcizone.core.naming import DataClass, Naming
from pcizone.data.placement import Placement
from pcizone.payments_deploy.function import PaymentFunction
from pcizone.payments_deploy.queues import PaymentQueues

# The smallest maximum concurrency Lambda accepts for an SQS event source.
MIN_SQS_CONCURRENCY = 2


def queue_event_sources(
    name: str,
    *,
    settings: PaymentsSettings,
    queues: PaymentQueues,
    worker: PaymentFunction,
    auditor: PaymentFunction,
    naming: Naming,
    placement: Placement,
    parent: pulumi.Resource,
) -> None:
    """Worker on the queue, auditor on the DLQ; both report partial batch failures."""
    fifo = settings.queue.fifo
    tags = naming.tags(DataClass.CARDHOLDER_DATA, component="payments")
    aws.lambda_.EventSourceMapping(
        f"{name}-worker-source",
        event_source_arn=queues.queue.arn,
        function_name=worker.function.arn,
        enabled=True,
        batch_size=settings.worker.batch_size,
        # FIFO sources reject a batching window; the config forbids batches above 10 there.
        maximum_batching_window_in_seconds=(
            None if fifo else settings.worker.maximum_batching_window_seconds
        ),
        function_response_types=["ReportBatchItemFailures"],
        scaling_config=aws.lambda_.EventSourceMappingScalingConfigArgs(
            maximum_concurrency=settings.worker.maximum_concurrency
        ),
        tags=tags,
        opts=placement.opts(parent, depends_on=[worker.policy]),
    )
    aws.lambda_.EventSourceMapping(
        f"{name}-auditor-source",
        event_source_arn=queues.dlq.arn,
        function_name=auditor.function.arn,
        enabled=True,
        batch_size=settings.auditor.batch_size,
        maximum_batching_window_in_seconds=None if fifo else 0,
        function_response_types=["ReportBatchItemFailures"],
        scaling_config=aws.lambda_.EventSourceMappingScalingConfigArgs(
            maximum_concurrency=MIN_SQS_CONCURRENCY
        ),
        tags=tags,
        opts=placement.opts(parent, depends_on=[auditor.policy]),
    )


def async_failures_to_dlq(
    name: str,
    *,
    function: PaymentFunction,
    queues: PaymentQueues,
    placement: Placement,
    parent: pulumi.Resource,
) -> None:
    """A failed asynchronous invocation is kept on the DLQ, where the auditor records it.

    No retries: the API and the migrator are called synchronously (an asynchronous call is not
    ours and should not run twice); the relay's next scheduled run is its retry.
    """
    aws.lambda_.FunctionEventInvokeConfig(
        f"{name}-{function.key}-async",
        function_name=function.function.name,
        maximum_retry_attempts=0,
        maximum_event_age_in_seconds=300,
        destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
            on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(
                destination=queues.dlq.arn
            )
        ),
        opts=placement.opts(parent, depends_on=[function.policy]),
    )


def relay_schedule(
    name: str,
    *,
    settings: PaymentsSettings,
    relay: PaymentFunction,
    naming: Naming,
    placement: Placement,
    parent: pulumi.Resource,
) -> None:
    minutes = settings.outbox_relay.interval_minutes
    rule = aws.cloudwatch.EventRule(
        f"{name}-relay-schedule",
        name=naming.name("outbox-relay"),
        description="Runs the outbox relay on a schedule",
        schedule_expression=f"rate({minutes} minute{'s' if minutes > 1 else ''})",
        state="ENABLED",
        tags=naming.tags(DataClass.INTERNAL, component="payments"),
        opts=placement.opts(parent),
    )
    aws.cloudwatch.EventTarget(
        f"{name}-relay-target",
        rule=rule.name,
        arn=relay.function.arn,
        opts=placement.opts(parent),
    )
    aws.lambda_.Permission(
        f"{name}-relay-invoke",
        function=relay.function.name,
        action="lambda:InvokeFunction",
        principal="events.amazonaws.com",
        source_arn=rule.arn,
        opts=placement.opts(parent),
    )
