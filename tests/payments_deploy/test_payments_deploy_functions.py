"""The functions: runtime, encryption, VPC, tracing, concurrency, logs first, valid environment."""

from __future__ import annotations

import importlib

import pytest
from data_plane_runs import by_urn, document, of_type, one, outputs, run
from payments.config import ENV_VARS, load_settings
from payments.handlers import migrator
from pcizone.config.loader import load_stack_config
from pcizone.config.payments_settings import FunctionSettings, PaymentsSettings
from pcizone.log_pipeline.protection import CARD_DATA_IDENTIFIERS
from pcizone.payments_deploy.permissions import Function
from pcizone.payments_deploy.service import HANDLERS, MIGRATOR_SETTINGS

SERVICE_STACKS = ("dev-alice", "dev-bob", "staging", "prod")
FUNCTION = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def _stage_of(stack: str) -> str:
    return "dev" if stack.startswith("dev-") else stack


def _settings(stack: str) -> PaymentsSettings:
    _, config, _ = load_stack_config(stack)
    payments = getattr(config, "payments", None)
    assert isinstance(payments, PaymentsSettings)
    return payments


def _function_settings(settings: PaymentsSettings, function: Function) -> FunctionSettings:
    return {
        Function.API: settings.api,
        Function.WORKER: settings.worker,
        Function.DLQ_AUDITOR: settings.auditor,
        Function.OUTBOX_RELAY: settings.outbox_relay,
        Function.MIGRATOR: MIGRATOR_SETTINGS,
    }[function]


@pytest.mark.parametrize("stack", SERVICE_STACKS)
@pytest.mark.parametrize("function", list(Function))
def test_function_settings(stack: str, function: Function) -> None:
    recorded, stage, settings = run(stack), outputs(_stage_of(stack)), _settings(stack)
    fn = one(recorded.resources, FUNCTION, f"payments-{function.value}-function")
    inputs = fn.inputs
    assert (inputs["runtime"], inputs["architectures"]) == ("python3.12", ["arm64"])
    assert inputs["handler"] == HANDLERS[function]
    assert inputs["tracingConfig"] == {"mode": "Active"}
    assert inputs["kmsKeyArn"] == stage["keyArns"]["secrets"]
    assert inputs["vpcConfig"]["subnetIds"] == stage["privateSubnetIds"]
    assert inputs["vpcConfig"]["securityGroupIds"] == [stage["lambdaSecurityGroupId"]]
    own = _function_settings(settings, function)
    assert inputs["reservedConcurrentExecutions"] == own.reserved_concurrency
    assert inputs["timeout"] == own.timeout_seconds
    assert inputs["memorySize"] == own.memory_mb
    assert inputs["layers"] == [
        one(recorded.resources, "aws:lambda/layerVersion:LayerVersion", "payments-layer").outputs[
            "arn"
        ]
    ]
    assert inputs["code"].path.startswith("build/lambda/payments-code-")
    assert inputs["tags"]["pcizone:data-classification"] == "cardholder-data"


@pytest.mark.parametrize("stack", SERVICE_STACKS)
@pytest.mark.parametrize("function", list(Function))
def test_log_group_is_encrypted_masked_subscribed_and_declared_first(
    stack: str, function: Function
) -> None:
    recorded, stage, settings = run(stack), outputs(_stage_of(stack)), _settings(stack)
    fn = one(recorded.resources, FUNCTION, f"payments-{function.value}-function")
    group = one(recorded.resources, LOG_GROUP, f"payments-{function.value}-logs")
    assert group.inputs["name"] == f"/aws/lambda/{fn.inputs['name']}"
    assert group.inputs["kmsKeyId"] == stage["keyArns"]["logs"]
    assert group.inputs["retentionInDays"] == settings.log_retention_days
    assert fn.inputs["loggingConfig"]["logGroup"] == group.inputs["name"]
    protection = one(
        recorded.resources,
        "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy",
        f"payments-{function.value}-pan-protection",
    )
    assert protection.inputs["logGroupName"] == group.inputs["name"]
    identifiers = {
        i
        for s in document(protection.inputs["policyDocument"])["Statement"]
        for i in s["DataIdentifier"]
    }
    assert identifiers == set(CARD_DATA_IDENTIFIERS)
    # The function waits for its group, the group's protection and its own policy.
    deps = set(fn.dependencies)
    assert {group.urn, protection.urn} <= deps
    subscriptions = [
        s
        for s in of_type(
            recorded.resources, "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter"
        )
        if s.inputs["logGroup"] == group.inputs["name"]
    ]
    assert [s.inputs["destinationArn"] for s in subscriptions] == [stage["logFirehoseArn"]]
    assert [s.inputs["roleArn"] for s in subscriptions] == [stage["logSubscriptionRoleArn"]]


@pytest.mark.parametrize("stack", SERVICE_STACKS)
def test_kms_on_every_queue_topic_log_group_and_function(stack: str) -> None:
    recorded = run(stack)
    checks = {
        "aws:sqs/queue:Queue": "kmsMasterKeyId",
        "aws:sns/topic:Topic": "kmsMasterKeyId",
        LOG_GROUP: "kmsKeyId",
        FUNCTION: "kmsKeyArn",
        "aws:secretsmanager/secret:Secret": "kmsKeyId",
    }
    seen = set()
    for resource in recorded.resources:
        key = checks.get(resource.type)
        if key is not None:
            assert str(resource.inputs.get(key, "")).startswith("arn:aws:kms:"), resource.urn
            seen.add(resource.type)
    assert {"aws:sqs/queue:Queue", LOG_GROUP, FUNCTION} <= seen


@pytest.mark.parametrize("stack", SERVICE_STACKS)
@pytest.mark.parametrize("function", [f for f in Function if f is not Function.MIGRATOR])
def test_environment_is_what_the_payments_code_reads(stack: str, function: Function) -> None:
    fn = one(run(stack).resources, FUNCTION, f"payments-{function.value}-function")
    variables = fn.inputs["environment"]["variables"]
    assert set(variables) <= set(ENV_VARS.values())
    assert "PAYMENTS_DB_PASSWORD" not in variables
    # The payments code's own loader accepts it as Lambda will run it (AWS_REGION is Lambda's).
    settings = load_settings({**variables, "AWS_REGION": "eu-west-1"})
    assert settings.db_iam_auth is True and settings.db_sslmode == "verify-full"
    assert settings.db_host == outputs(_stage_of(stack))["proxyEndpoint"]
    assert settings.db_name == outputs(stack)["databaseName"]
    assert settings.db_user == outputs(stack)["databaseUser"]
    assert (settings.queue_url is not None) is (function in (Function.API, Function.OUTBOX_RELAY))
    assert settings.env == _stage_of(stack)


@pytest.mark.parametrize("stack", SERVICE_STACKS)
def test_migrator_environment_is_what_the_migrator_reads(stack: str) -> None:
    fn = one(run(stack).resources, FUNCTION, "payments-migrator-function")
    variables = fn.inputs["environment"]["variables"]
    settings = migrator.load_settings({**variables, "AWS_REGION": "eu-west-1"})
    assert settings.admin_user == outputs(_stage_of(stack))["masterUsername"]
    assert settings.app_user == outputs(stack)["databaseUser"]
    assert settings.database == outputs(stack)["databaseName"]
    assert settings.iam_auth is True
    # The migrator creates the fake processor's journal exactly when the worker uses it.
    worker = one(run(stack).resources, FUNCTION, "payments-worker-function")
    assert settings.processor == worker.inputs["environment"]["variables"]["PAYMENTS_PROCESSOR"]
    assert settings.processor == _settings(stack).processor.kind


@pytest.mark.parametrize("function", list(Function))
def test_handlers_exist(function: Function) -> None:
    module, _, name = HANDLERS[function].rpartition(".")
    assert callable(getattr(importlib.import_module(module), name))


def test_payment_functions_run_only_after_the_migration() -> None:
    recorded = run("dev-alice")
    invocation = one(recorded.resources, "aws:lambda/invocation:Invocation", "payments-migrate")
    migrator_fn = one(recorded.resources, FUNCTION, "payments-migrator-function")
    assert invocation.inputs["functionName"] == migrator_fn.inputs["name"]
    assert migrator_fn.urn in invocation.dependencies
    for function in ("api", "worker", "dlq-auditor", "outbox-relay"):
        fn = one(recorded.resources, FUNCTION, f"payments-{function}-function")
        assert invocation.urn in fn.dependencies
    assert invocation.urn not in migrator_fn.dependencies
    index = by_urn(recorded)
    assert (
        index[invocation.urn].inputs["triggers"]["migrationsSha256"]
        == document(invocation.inputs["input"])["migrationsSha256"]
    )
    # Switching the processor re-runs the migrator (the fake one needs its journal).
    assert index[invocation.urn].inputs["triggers"]["processor"] == "fake"
