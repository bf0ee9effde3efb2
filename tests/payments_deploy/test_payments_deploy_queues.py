"""Queues: KMS, TLS-only, visibility >= 6x the consumer's timeout, redrive, FIFO, event sources."""

from __future__ import annotations

import pytest
from data_plane_runs import document, of_type, one, outputs, run
from pcizone.config.loader import load_stack_config
from pcizone.config.payments_settings import PaymentsSettings

QUEUE = "aws:sqs/queue:Queue"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
SERVICE_STACKS = ("dev-alice", "dev-bob", "staging", "prod")
FOURTEEN_DAYS = 14 * 86_400


def _settings(stack: str) -> PaymentsSettings:
    _, config, _ = load_stack_config(stack)
    payments = getattr(config, "payments", None)
    assert isinstance(payments, PaymentsSettings)
    return payments


def _stage_of(stack: str) -> str:
    return "dev" if stack.startswith("dev-") else stack


@pytest.mark.parametrize("stack", SERVICE_STACKS)
def test_queue_and_dlq_settings(stack: str) -> None:
    recorded, settings = run(stack), _settings(stack)
    queue = one(recorded.resources, QUEUE, "payments-queues-queue")
    dlq = one(recorded.resources, QUEUE, "payments-queues-dlq")
    key = outputs(_stage_of(stack))["keyArns"]["queues"]
    for q in (queue, dlq):
        assert q.inputs["kmsMasterKeyId"] == key
        assert q.inputs["sqsManagedSseEnabled"] is False
        assert q.inputs["receiveWaitTimeSeconds"] == 20  # long polling
        assert q.inputs["fifoQueue"] is settings.queue.fifo
    # The rule the issue names, on the recorded values, against each consumer's timeout.
    assert queue.inputs["visibilityTimeoutSeconds"] >= 6 * settings.worker.timeout_seconds
    assert dlq.inputs["visibilityTimeoutSeconds"] >= 6 * settings.auditor.timeout_seconds
    assert queue.inputs["visibilityTimeoutSeconds"] == settings.queue.visibility_timeout_seconds
    assert dlq.inputs["messageRetentionSeconds"] == FOURTEEN_DAYS
    assert dlq.inputs["messageRetentionSeconds"] > queue.inputs["messageRetentionSeconds"]
    assert document(queue.inputs["redrivePolicy"]) == {
        "deadLetterTargetArn": dlq.outputs["arn"],
        "maxReceiveCount": settings.queue.max_receive_count,
    }
    allow = one(
        recorded.resources,
        "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy",
        "payments-queues-dlq-allow",
    )
    assert document(allow.inputs["redriveAllowPolicy"]) == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [queue.outputs["arn"]],
    }
    assert outputs(stack)["queueUrl"] == queue.outputs["url"]
    assert outputs(stack)["dlqUrl"] == dlq.outputs["url"]


@pytest.mark.parametrize("stack", SERVICE_STACKS)
def test_queue_policies_refuse_anything_but_tls(stack: str) -> None:
    recorded = run(stack)
    policies = of_type(recorded.resources, "aws:sqs/queuePolicy:QueuePolicy")
    urls = {
        one(recorded.resources, QUEUE, f"payments-queues-{k}").outputs["url"]: k
        for k in ("queue", "dlq")
    }
    assert sorted(urls[p.inputs["queueUrl"]] for p in policies) == ["dlq", "queue"]
    for policy in policies:
        (statement,) = document(policy.inputs["policy"])["Statement"]
        assert statement["Effect"] == "Deny" and statement["Principal"] == "*"
        assert statement["Action"] == ["sqs:*"]
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_fifo_is_a_config_option() -> None:
    bob = one(run("dev-bob").resources, QUEUE, "payments-queues-queue")
    assert bob.inputs["name"] == "pcz-u-bob-payments.fifo"
    assert bob.inputs["contentBasedDeduplication"] is True
    assert bob.inputs["deduplicationScope"] == "messageGroup"
    alice = one(run("dev-alice").resources, QUEUE, "payments-queues-queue")
    assert alice.inputs["name"] == "pcz-u-alice-payments"
    assert "contentBasedDeduplication" not in alice.inputs


@pytest.mark.parametrize("stack", SERVICE_STACKS)
def test_event_source_mappings(stack: str) -> None:
    recorded, settings = run(stack), _settings(stack)
    functions = {
        f.name: f.outputs["arn"]
        for f in of_type(recorded.resources, "aws:lambda/function:Function")
    }
    worker = one(recorded.resources, MAPPING, "payments-worker-source")
    auditor = one(recorded.resources, MAPPING, "payments-auditor-source")
    queue = one(recorded.resources, QUEUE, "payments-queues-queue").outputs["arn"]
    dlq = one(recorded.resources, QUEUE, "payments-queues-dlq").outputs["arn"]
    assert (worker.inputs["eventSourceArn"], worker.inputs["functionName"]) == (
        queue,
        functions["payments-worker-function"],
    )
    assert (auditor.inputs["eventSourceArn"], auditor.inputs["functionName"]) == (
        dlq,
        functions["payments-dlq-auditor-function"],
    )
    for mapping in (worker, auditor):
        assert mapping.inputs["functionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping.inputs["enabled"] is True
    assert worker.inputs["batchSize"] == settings.worker.batch_size
    assert worker.inputs["scalingConfig"] == {
        "maximumConcurrency": settings.worker.maximum_concurrency
    }
    assert auditor.inputs["batchSize"] == settings.auditor.batch_size
    # FIFO sources take no batching window.
    assert ("maximumBatchingWindowInSeconds" in worker.inputs) is not settings.queue.fifo


@pytest.mark.parametrize("stack", SERVICE_STACKS)
def test_functions_without_an_sqs_source_keep_failed_async_invocations_on_the_dlq(
    stack: str,
) -> None:
    recorded = run(stack)
    dlq = one(recorded.resources, QUEUE, "payments-queues-dlq").outputs["arn"]
    configs = {
        c.inputs["functionName"]: c
        for c in of_type(
            recorded.resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
        )
    }
    names = {
        one(recorded.resources, "aws:lambda/function:Function", f"payments-{f}-function").inputs[
            "name"
        ]
        for f in ("api", "outbox-relay", "migrator")
    }
    assert set(configs) == names
    for config in configs.values():
        assert config.inputs["destinationConfig"] == {"onFailure": {"destination": dlq}}
        assert config.inputs["maximumRetryAttempts"] == 0
