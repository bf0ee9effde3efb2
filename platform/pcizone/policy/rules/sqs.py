"""SQS queues: SSE-KMS with a CMK, TLS-only, redrive to a DLQ that outlives its source.

A queue is a dead-letter queue when another queue's redrive policy names it (or it has a
redrive allow policy); every other queue is a source queue and must redrive.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pcizone.policy import aws_types as t
from pcizone.policy import values
from pcizone.policy.checks import (
    customer_managed_key,
    policy_documents,
    statement_found,
    tls_only,
)
from pcizone.policy.rules.queue_graph import (
    consumed_queues,
    dead_letter_queues,
    is_dead_letter_queue,
    redrive_sources,
)
from pcizone.policy.spec import Level, Severity, resource_policy, stack_policy
from pcizone.policy.views import Context, Resource, Stack

AWS_MANAGED_SQS_KEY = "alias/aws/sqs"
VISIBILITY_FACTOR = 6
MAX_RECEIVE_COUNT_LIMIT = 1000


@resource_policy(
    "pci-sqs-sse-kms-cmk",
    "SQS queues are encrypted with SSE-KMS under a customer managed key.",
    requirements=("3.5.1", "3.6.1"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.SQS_QUEUE,),
    remediation="Set kms_master_key_id to the stack's queue key ARN (not alias/aws/sqs).",
)
def sqs_sse_kms_cmk(queue: Resource, _ctx: Context) -> Iterator[str]:
    key = queue.props.get("kmsMasterKeyId")
    if values.as_bool(queue.props.get("sqsManagedSseEnabled")) is True:
        yield "sqsManagedSseEnabled is true (SSE-SQS is not a customer managed key)"
    yield from customer_managed_key("kmsMasterKeyId", key, AWS_MANAGED_SQS_KEY)


def _source_queues(stack: Stack, _ctx: Context) -> Sequence[Resource]:
    return [q for q in stack.of_type(t.SQS_QUEUE) if not is_dead_letter_queue(q, stack)]


@stack_policy(
    "pci-sqs-redrive",
    "Source queues redrive to a dead-letter queue after a bounded number of receives.",
    requirements=("10.7.1", "10.7.2"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.SQS_QUEUE,),
    subjects=_source_queues,
    remediation=(
        "Set redrive_policy to JSON with deadLetterTargetArn (the DLQ's ARN) and maxReceiveCount."
    ),
)
def sqs_redrive(queue: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    try:
        policies = redrive_sources(queue, stack)
    except values.DocumentError as exc:
        yield str(exc)
        return
    if not policies:
        yield "no redrive policy: poison messages would be retried until they expire"
        return
    for declarer, policy in policies:
        where = "redrivePolicy" if declarer.urn == queue.urn else f"RedrivePolicy {declarer.name}"
        if values.as_str(policy.get("deadLetterTargetArn")) is None:
            yield f"{where} has no deadLetterTargetArn"
        count = values.as_number(policy.get("maxReceiveCount"))
        if count is None or not 1 <= count <= MAX_RECEIVE_COUNT_LIMIT:
            yield f"{where} has no maxReceiveCount between 1 and {MAX_RECEIVE_COUNT_LIMIT}"


@stack_policy(
    "pci-sqs-tls-only",
    "SQS queue policies deny every request that does not use TLS.",
    requirements=("4.2.1",),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.SQS_QUEUE,),
    remediation=(
        "Add a QueuePolicy statement: Deny, Principal *, Action sqs:*, Condition "
        'Bool {"aws:SecureTransport": "false"}.'
    ),
)
def sqs_tls_only(queue: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    policies = policy_documents(queue, stack, t.SQS_QUEUE_POLICY, "queueUrl", "url")
    if not policies:
        yield "no queue policy names this queue"
    elif not (yield from statement_found(policies, tls_only("sqs"))):
        yield "no queue policy statement denies requests without aws:SecureTransport"


def _queues_with_dlq(stack: Stack, _ctx: Context) -> Sequence[Resource]:
    return [q for q in stack.of_type(t.SQS_QUEUE) if dead_letter_queues(q, stack)]


@stack_policy(
    "pci-sqs-dlq-retention",
    "A dead-letter queue keeps messages longer than its source queue does.",
    requirements=("10.7.2", "A3.5.1"),
    severity=Severity.MEDIUM,
    enforcement=Level.MANDATORY,
    types=(t.SQS_QUEUE,),
    subjects=_queues_with_dlq,
    remediation=(
        "Set message_retention_seconds on both queues, the DLQ's longer (e.g. 14 days vs 4)."
    ),
)
def sqs_dlq_retention(source: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    kept = values.as_number(source.props.get("messageRetentionSeconds"))
    if kept is None:
        yield "messageRetentionSeconds is not set on the source queue"
        return
    for dlq in dead_letter_queues(source, stack):
        dlq_kept = values.as_number(dlq.props.get("messageRetentionSeconds"))
        if dlq_kept is None:
            yield f"messageRetentionSeconds is not set on the DLQ {dlq.name}"
        elif dlq_kept <= kept:
            yield (
                f"DLQ {dlq.name} keeps messages {values.fmt_number(dlq_kept)} s, not longer "
                f"than the source's {values.fmt_number(kept)} s"
            )


def _consumed_queues(stack: Stack, _ctx: Context) -> Sequence[Resource]:
    consumed: dict[str, Resource] = {}
    for fn in stack.of_type(t.LAMBDA_FUNCTION):
        for _, queue in consumed_queues(fn, stack):
            consumed[queue.urn] = queue
    return list(consumed.values())


@stack_policy(
    "pci-sqs-visibility-timeout",
    "A queue's visibility timeout is at least six times the timeout of each consuming function.",
    requirements=("10.7.2",),
    severity=Severity.MEDIUM,
    enforcement=Level.MANDATORY,
    types=(t.SQS_QUEUE,),
    subjects=_consumed_queues,
    remediation="Set visibility_timeout_seconds >= 6 x the consuming function's timeout.",
)
def sqs_visibility_timeout(queue: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    visibility = values.as_number(queue.props.get("visibilityTimeoutSeconds"))
    if visibility is None:
        yield "visibilityTimeoutSeconds is not set"
        return
    for fn in stack.of_type(t.LAMBDA_FUNCTION):
        if not any(q.urn == queue.urn for _, q in consumed_queues(fn, stack)):
            continue
        timeout = values.as_number(fn.props.get("timeout"))
        if timeout is None:
            yield f"function {fn.name} has no timeout set"
        elif visibility < VISIBILITY_FACTOR * timeout:
            yield (
                f"visibility {values.fmt_number(visibility)} s is less than 6 x {fn.name}'s "
                f"timeout of {values.fmt_number(timeout)} s"
            )
