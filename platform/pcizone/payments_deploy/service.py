"""The payments service, as developer stacks and staging/prod deploy it.

API (HTTP API) -> payments queue -> worker (ReportBatchItemFailures) -> DLQ -> auditor; the
outbox relay re-sends what the API could not; the migrator gives the stack its own database
and user and applies the migrations first. Every function has its own role (permissions.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi

from pcizone.alerts import alarms
from pcizone.config.payments_settings import FunctionSettings, PaymentsSettings
from pcizone.core.naming import Naming
from pcizone.data.placement import Placement
from pcizone.payments_deploy.code_package import build_code_package
from pcizone.payments_deploy.environment import DatabaseEndpoint, payments_environment
from pcizone.payments_deploy.function import FunctionArgs, Packaging, PaymentFunction
from pcizone.payments_deploy.http_api import STAGE, PaymentsApi
from pcizone.payments_deploy.layer_artifact import dependency_layer
from pcizone.payments_deploy.permissions import Function, Resources, statements
from pcizone.payments_deploy.processor_key import processor_key_secret
from pcizone.payments_deploy.queues import PaymentQueues, dlq_visibility
from pcizone.payments_deploy.schema import database_identifiers, migration_invocation
from pcizone.payments_deploy.stage_resources import StageResources
from pcizone.payments_deploy.triggers import (
    async_failures_to_dlq,
    queue_event_sources,
    relay_schedule,
)

HANDLERS = {
    Function.API: "payments.handlers.api.handler",
    Function.WORKER: "payments.handlers.worker.handler",
    Function.DLQ_AUDITOR: "payments.handlers.dlq_auditor.handler",
    Function.OUTBOX_RELAY: "payments.handlers.outbox_relay.handler",
    Function.MIGRATOR: "payments.handlers.migrator.handler",
}
DESCRIPTIONS = {
    Function.API: "Payments API: accepts processor tokens, never card numbers",
    Function.WORKER: "Charges queued payments once each and posts the ledger",
    Function.DLQ_AUDITOR: "Records dead-lettered messages and alerts; never redrives",
    Function.OUTBOX_RELAY: "Re-sends queue messages whose send failed after commit",
    Function.MIGRATOR: "Creates the service's database and user, applies migrations",
}
# Output keys of `functionNames`, `roleArns` and `logGroupNames`.
OUTPUT_KEYS = {
    Function.API: "api",
    Function.WORKER: "worker",
    Function.DLQ_AUDITOR: "dlqAuditor",
    Function.OUTBOX_RELAY: "outboxRelay",
    Function.MIGRATOR: "migrator",
}
MIGRATOR_SETTINGS = FunctionSettings(timeout_seconds=300, memory_mb=512, reserved_concurrency=1)


@dataclass(frozen=True)
class ServiceArgs:
    settings: PaymentsSettings
    env: str  # PAYMENTS_ENV: dev (developer stacks), staging or prod
    stage: StageResources
    processor_api_key: pulumi.Input[str] | None
    repo_root: Path
    developer_stack: bool


class PaymentsService(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        args: ServiceArgs,
        *,
        naming: Naming,
        placement: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:payments:Service", name, None, opts)
        settings, stage = args.settings, args.stage
        child = pulumi.ResourceOptions(parent=self)
        code = build_code_package(args.repo_root)
        layer = dependency_layer(f"{name}-layer", naming=naming, placement=placement, parent=self)
        packaging = Packaging(code.path, code.lambda_hash, layer.arn)
        self.queues = PaymentQueues(
            f"{name}-queues",
            settings=settings.queue,
            dlq_visibility_timeout_seconds=dlq_visibility(
                settings.queue, settings.auditor.timeout_seconds
            ),
            key_arn=stage.keys.queues,
            naming=naming,
            placement=placement,
            opts=child,
        )
        secret_arn: pulumi.Output[str] | None = None
        if settings.processor.kind == "stripe":
            if args.processor_api_key is None:
                # The config validation requires the key with Stripe: a program error.
                raise ValueError("payments.processor.kind is 'stripe' but no API key was given")
            secret_arn = processor_key_secret(
                name,
                api_key=args.processor_api_key,
                key_arn=stage.keys.secrets,
                developer_stack=args.developer_stack,
                naming=naming,
                placement=placement,
                parent=self,
            ).arn
        db_name, db_user = database_identifiers(naming)
        database = DatabaseEndpoint(
            host=stage.proxy_endpoint,
            port=stage.database_port,
            name=db_name,
            user=db_user,
            admin_user=stage.master_username,
        )
        self.functions: dict[Function, PaymentFunction] = {}

        def deploy(
            function: Function, settings_: FunctionSettings, after: list[pulumi.Resource]
        ) -> PaymentFunction:
            def grants(log_group_arn: pulumi.Output[str]) -> list[dict[str, object]]:
                return statements(
                    function,
                    Resources(
                        region=placement.region,
                        account_id=placement.account_id,
                        log_group_arn=log_group_arn,
                        proxy_resource_id=stage.proxy_resource_id,
                        db_user=db_user,
                        admin_user=stage.master_username,
                        queue_arn=self.queues.queue.arn,
                        dlq_arn=self.queues.dlq.arn,
                        queue_key_arn=stage.keys.queues,
                        secrets_key_arn=stage.keys.secrets,
                        processor_secret_arn=secret_arn,
                    ),
                )

            deployed = PaymentFunction(
                f"{name}-{function.value}",
                FunctionArgs(
                    key=function.value,
                    handler=HANDLERS[function],
                    description=DESCRIPTIONS[function],
                    settings=settings_,
                    environment=payments_environment(
                        function,
                        env=args.env,
                        settings=settings,
                        database=database,
                        queue_url=self.queues.queue.url,
                        processor_secret_arn=secret_arn,
                    ),
                    subnet_ids=stage.subnet_ids,
                    security_group_id=stage.lambda_security_group_id,
                    env_key_arn=stage.keys.secrets,
                    logs_key_arn=stage.keys.logs,
                    log_retention_days=settings.log_retention_days,
                    subscriber=stage.subscriber,
                    packaging=packaging,
                    depends_on=after,
                ),
                statements=grants,
                naming=naming,
                placement=placement,
                opts=child,
            )
            self.functions[function] = deployed
            return deployed

        migrator = deploy(Function.MIGRATOR, MIGRATOR_SETTINGS, [])
        migrated = migration_invocation(
            f"{name}-migrate",
            function=migrator.function,
            code=code,
            processor=settings.processor.kind,
            placement=placement,
            parent=self,
        )
        # New code runs only against a migrated schema.
        api = deploy(Function.API, settings.api, [migrated])
        worker = deploy(Function.WORKER, settings.worker, [migrated])
        auditor = deploy(Function.DLQ_AUDITOR, settings.auditor, [migrated])
        relay = deploy(Function.OUTBOX_RELAY, settings.outbox_relay, [migrated])
        queue_event_sources(
            name,
            settings=settings,
            queues=self.queues,
            worker=worker,
            auditor=auditor,
            naming=naming,
            placement=placement,
            parent=self,
        )
        for function in (migrator, api, relay):
            async_failures_to_dlq(
                name, function=function, queues=self.queues, placement=placement, parent=self
            )
        relay_schedule(
            name, settings=settings, relay=relay, naming=naming, placement=placement, parent=self
        )
        self.api = PaymentsApi(
            f"{name}-http",
            settings=settings.api,
            function=api.function,
            logs_key_arn=stage.keys.logs,
            log_retention_days=settings.log_retention_days,
            subscriber=stage.subscriber,
            naming=naming,
            placement=placement,
            opts=child,
        )
        self._alarms(stage.alarm_topic_arn, naming, placement)
        self.database_name = db_name
        self.database_user = db_user
        self.register_outputs({"apiUrl": self.api.url, "queueUrl": self.queues.queue.url})

    def _alarms(self, topic_arn: pulumi.Input[str], naming: Naming, placement: Placement) -> None:
        target = alarms.AlarmTarget(naming, placement, topic_arn, self)
        alarms.dlq_depth(target, "payments-dlq-depth", self.queues.dlq.name)
        alarms.dlq_arrivals(target, "payments-dlq-arrivals", self.queues.dlq.name)
        alarms.api_5xx(target, "payments-api-5xx", self.api.api.id, STAGE)
        for function in (Function.WORKER, Function.DLQ_AUDITOR, Function.OUTBOX_RELAY):
            alarms.function_errors(
                target, f"payments-{function.value}-errors", self.functions[function].function.name
            )

    def outputs(self) -> dict[str, object]:
        """The service's stack outputs (a developer stack's; staging and prod add them too)."""
        return {
            "apiUrl": self.api.url,
            "queueUrl": self.queues.queue.url,
            "dlqUrl": self.queues.dlq.url,
            "functionNames": {OUTPUT_KEYS[f]: fn.function.name for f, fn in self.functions.items()},
            "roleArns": {OUTPUT_KEYS[f]: fn.role.arn for f, fn in self.functions.items()},
            "logGroupNames": {
                **{OUTPUT_KEYS[f]: fn.log_group.name for f, fn in self.functions.items()},
                "apiAccess": self.api.access_logs.name,
            },
            "databaseName": self.database_name,
            "databaseUser": self.database_user,
        }
