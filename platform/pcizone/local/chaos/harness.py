"""The payments path on one machine, with handles on every part a fault can hit.

A PostgreSQL server of its own (so it can be restarted), the AWS emulator in a process of its
own with its SQS fault switch (`emulator_process`), and the local runtime with the real
payments handlers: the API on `POST /payments`, the worker (wrapped by `crashing_worker`) on
the payments queue, the DLQ auditor on the dead-letter queue, and the outbox relay, invoked on
a schedule by the harness. Every log (functions, runtime, emulator, PostgreSQL) lands in
`log_dir`. `close()` stops all of it.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import psycopg
from payments.db.migrate import apply_migrations
from payments.processor.fake import ensure_journal

from pcizone.local.chaos.emulator_process import EmulatorProcess
from pcizone.local.emulator import EmulatorEndpoint
from pcizone.local.postgres import PostgresServer
from pcizone.local.runtime import (
    EventSourceSpec,
    FunctionSpec,
    HttpRouteSpec,
    LocalRuntime,
    RuntimeTuning,
)

REGION = "eu-west-1"
ACCOUNT = "123456789012"
DATABASE = USER = "payments_chaos"
API, WORKER, AUDITOR, RELAY = (
    "payments-api",
    "payments-worker",
    "payments-dlq-auditor",
    "payments-outbox-relay",
)


@dataclass(frozen=True)
class HarnessOptions:
    worker_env: dict[str, str] = field(default_factory=dict)  # PAYMENTS_FAKE_FAULTS, CHAOS_*
    api_environments: int = 4
    worker_environments: int = 3
    worker_batch_size: int = 10
    # Full batches under load: each batch costs a receive, an invocation and a delete.
    worker_batching_window_seconds: int = 1
    function_timeout_seconds: int = 6
    visibility_timeout_seconds: int = 8  # >= the function timeout, as the runtime insists
    max_receive_count: int = 5  # the deployment's default (PaymentsSettings)
    failed_visibility_seconds: int | None = 1  # a failed message comes back after 1 s
    sqs_fault_rate: float = 0.0
    seed: int = 0


class Harness:
    def __init__(
        self, pg_base: Path, log_dir: Path, options: HarnessOptions, template: Path | None = None
    ) -> None:
        self.options = options
        self.log_dir = log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        self.password = secrets.token_hex(12)
        self.postgres = PostgresServer(
            pg_base / "data", settings={"fsync": False}, log_path=log_dir / "postgresql.log"
        )
        self._template = template
        self.emulator = EmulatorProcess(seed=options.seed, log_path=log_dir / "emulator.log")
        self.runtime: LocalRuntime | None = None
        self.queue_url = self.dlq_url = ""

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        self.postgres.init(template=self._template)
        self.postgres.start()
        self.postgres.create_role_and_database(DATABASE, USER, self.password)
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            apply_migrations(conn)
            ensure_journal(conn)  # as the owner: the app may lack CREATE on the database
        self.emulator.start()
        self._create_queues()
        self.runtime = self._runtime(EmulatorEndpoint(url=self.emulator.faulty_url, region=REGION))
        self.runtime.start()
        self.emulator.set_rate(self.options.sqs_fault_rate)

    def close(self) -> None:
        """Stop everything this harness started, each part even if another fails."""
        if self.runtime is not None:
            with contextlib.suppress(Exception):
                self.runtime.stop(drain=False)
        with contextlib.suppress(Exception):
            self.emulator.stop()
        self.postgres.stop("immediate", timeout=10.0)

    def __enter__(self) -> Harness:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- parts -----------------------------------------------------------------------------

    @property
    def dsn(self) -> str:
        return self.postgres.dsn(DATABASE, USER, self.password)

    def admin(self) -> psycopg.Connection[Any]:
        """A superuser connection (unix socket) to the payments database."""
        return self.postgres.connect(DATABASE)

    def sqs_admin(self) -> Any:
        """An SQS client on the emulator's port that never fails."""
        return boto3.session.Session().client(
            "sqs",
            region_name=REGION,
            endpoint_url=self.emulator.clean_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - the emulator's dummy key
        )

    def _create_queues(self) -> None:
        sqs = self.sqs_admin()
        visibility = str(self.options.visibility_timeout_seconds)
        self.dlq_url = sqs.create_queue(
            QueueName="payments-dlq", Attributes={"VisibilityTimeout": visibility}
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=self.dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        redrive = {
            "deadLetterTargetArn": dlq_arn,
            "maxReceiveCount": self.options.max_receive_count,
        }
        self.queue_url = sqs.create_queue(
            QueueName="payments",
            Attributes={"VisibilityTimeout": visibility, "RedrivePolicy": json.dumps(redrive)},
        )["QueueUrl"]
        self._queue_arns = (
            sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"],
            dlq_arn,
        )

    def _runtime(self, endpoint: EmulatorEndpoint) -> LocalRuntime:
        options = self.options
        database = {
            "PAYMENTS_ENV": "local",
            "PAYMENTS_DB_HOST": "127.0.0.1",
            "PAYMENTS_DB_PORT": str(self.postgres.port),
            "PAYMENTS_DB_NAME": DATABASE,
            "PAYMENTS_DB_USER": USER,
            "PAYMENTS_DB_PASSWORD": self.password,
            "PAYMENTS_DB_SSLMODE": "disable",
            "PAYMENTS_MAX_AMOUNT_MINOR": "1000000",
            "PAYMENTS_PROCESSOR": "fake",
            "PAYMENTS_QUEUE_URL": self.queue_url,
        }

        def spec(
            name: str, handler: str, reserved: int | None, extra: dict[str, str]
        ) -> FunctionSpec:
            return FunctionSpec(
                name=name,
                handler=handler,
                env={**database, **extra},
                role_arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
                timeout_seconds=options.function_timeout_seconds,
                memory_mb=512,
                reserved_concurrency=reserved,
            )

        functions = [
            spec(API, "payments.handlers.api.handler", options.api_environments, {}),
            spec(
                WORKER,
                "pcizone.local.chaos.crashing_worker.handler",
                options.worker_environments,
                options.worker_env,
            ),
            spec(AUDITOR, "payments.handlers.dlq_auditor.handler", 2, {}),
            spec(RELAY, "payments.handlers.outbox_relay.handler", 1, {}),
        ]
        queue_arn, dlq_arn = self._queue_arns
        sources = [
            EventSourceSpec(
                WORKER,
                self.queue_url,
                queue_arn,
                options.worker_batch_size,
                max(2, options.worker_environments),
                True,
                maximum_batching_window_seconds=options.worker_batching_window_seconds,
            ),
            EventSourceSpec(AUDITOR, self.dlq_url, dlq_arn, 10, 2, True),
        ]
        routes = [
            HttpRouteSpec("POST /payments", API),
            HttpRouteSpec("GET /payments/{id}", API),
        ]
        tuning = RuntimeTuning(
            poll_wait_seconds=1,
            failed_visibility_seconds=options.failed_visibility_seconds,
            error_backoff_seconds=(0.05, 0.5),
        )
        return LocalRuntime(endpoint, functions, sources, routes, self.log_dir, tuning=tuning)
