"""The queue drill: poison and failing messages -> DLQ -> audit -> safe redrive, no double charge.

On a local ledger database and the AWS emulator (moto) it runs the service's own code: the API
accepts payments and enqueues them through its outbox; the worker settles them; the DLQ auditor
records what dies; `payments.ops.redrive` re-sends what is safe. Injected: poison messages
(malformed, naming no payment, naming an unknown payment), payments whose charges keep failing
during a processor outage, and a stale dead copy of a payment that was settled meanwhile.
Passing means: every bad message reached the DLQ after exactly maxReceiveCount receives and was
audited; the redrive re-sent exactly the unsettled payments; every accepted payment is settled
once, with one charge and a balanced posting; the processor charged nothing twice.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
import structlog
from payments import api, auditor, worker
from payments.app import App
from payments.db.connection import Database, connect_dsn
from payments.ops.redrive import redrive
from payments.outbox import SqsSender
from payments.processor.base import ChargeRequest, ChargeResult, RetryableProcessorError
from payments.processor.fake import FakeProcessor

from pcizone.dr.payments_ledger import PaymentsLedger, probe_event
from pcizone.dr.probe import ProbePayment, new_run_id
from pcizone.dr.queue_checks import QueueObservations, judge_queue, statuses_of
from pcizone.dr.results import ScenarioResult
from pcizone.dr.sqs_loop import SqsLoop
from pcizone.dr.targets import ScenarioTargets
from pcizone.dr.timeline import Timeline
from pcizone.local.emulator import Emulator
from pcizone.local.postgres import PostgresServer, pg_temp_dir

# A processor token (not a secret) whose charges fail while the drill's outage lasts.
OUTAGE_PAYMENT_METHOD = "tok_dr_drill_processor_outage"
POISON_BODIES = (
    "{not json",  # malformed
    json.dumps({"amount_minor": 100}),  # names no payment
    json.dumps({"payment_id": "pay_" + "a" * 26}),  # names a payment that does not exist
)


class _ProcessorOutage:
    """The fake processor, failing every charge of the outage's payments while it lasts."""

    name = "fake"

    def __init__(self, inner: FakeProcessor) -> None:
        self.inner = inner
        self.active = True

    def charge(self, request: ChargeRequest) -> ChargeResult:
        if self.active and request.payment_method == OUTAGE_PAYMENT_METHOD:
            raise RetryableProcessorError("processor outage injected by the queue drill")
        return self.inner.charge(request)


def _quiet(app: App) -> App:
    # The drill judges outcomes from the database; per-message log lines would flood the console.
    def drop(_logger: object, _method: str, _event: object) -> Any:
        raise structlog.DropEvent

    app.log = structlog.wrap_logger(None, processors=[drop])
    return app


@dataclass
class LocalQueueDrill:
    targets: ScenarioTargets
    timeline: Timeline
    max_receive_count: int = 5
    template: Any = None
    server_settings: dict[str, str | int | bool] = field(default_factory=dict)
    good_payments: int = 8
    failing_payments: int = 3
    timeout: float = 60.0
    region: str = "eu-west-1"
    run_id: str = field(default_factory=new_run_id)
    ledger: PaymentsLedger = field(default_factory=PaymentsLedger)

    def run(self) -> ScenarioResult:
        result = ScenarioResult("queue", "local", self.targets, self.timeline)
        tl = self.timeline
        base = pg_temp_dir("pcizone-queue-")
        server = PostgresServer(base / "ledger", settings=self.server_settings)
        emulator = Emulator(self.region)
        loops: list[SqsLoop] = []
        closers: list[Callable[[], None]] = []
        try:
            with tl.step("start the ledger database and the AWS emulator"):
                server.init(self.template)
                server.start()
                self.ledger.prepare(server)
                endpoint = emulator.start()
            import boto3

            sqs = boto3.client(
                "sqs",
                endpoint_url=endpoint.url,
                region_name=self.region,
                aws_access_key_id=endpoint.access_key_id,
                aws_secret_access_key=endpoint.secret_access_key,
            )
            self._drill(result, sqs, self.ledger.conninfo(server), loops, closers)
        except KeyboardInterrupt:
            result.interrupted = True
            tl.anomaly("interrupted by the operator: stopping the queue drill")
        except Exception as exc:
            result.error = f"{type(exc).__name__}: {exc}"
            tl.anomaly(f"queue drill failed: {result.error}")
        finally:
            with tl.step("tear down the emulator and the ledger database"):
                for loop in loops:
                    loop.stop()
                for close in closers:
                    close()
                emulator.stop()
                server.stop("immediate", timeout=10.0)
                shutil.rmtree(base, ignore_errors=True)
        return result

    # -- the drill ------------------------------------------------------------------------------
    def _drill(
        self,
        result: ScenarioResult,
        sqs: Any,
        dsn: str,
        loops: list[SqsLoop],
        closers: list[Callable[[], None]],
    ) -> None:
        tl = self.timeline
        queue_url, queue_arn, dlq_url, dlq_arn = self._queues(sqs)
        api_app, worker_app, auditor_app, outage = self._apps(sqs, dsn, queue_url)
        closers += [api_app.db.close, worker_app.db.close, auditor_app.db.close]
        closers.append(outage.inner.close)
        failures: Counter[str] = Counter()  # worker receives that failed, per message id
        to_dlq: list[float] = []  # seconds from first send to the auditor's receive
        loops += [
            SqsLoop(
                sqs,
                queue_url,
                queue_arn,
                self.region,
                lambda event: worker.handle(worker_app, event),
                on_message=lambda m, failed, _at: failures.update(
                    [m["MessageId"]] if failed else []
                ),
            ),
            SqsLoop(
                sqs,
                dlq_url,
                dlq_arn,
                self.region,
                lambda event: auditor.handle(auditor_app, event),
                on_message=lambda m, _failed, _at: to_dlq.append(_age(m)),
            ),
        ]
        for loop in loops:
            loop.start()

        with tl.step("accept payments through the API (outbox -> queue)") as step:
            good = [self._create(api_app, i, "tok_dr_drill_ok") for i in range(self.good_payments)]
            failing = [
                self._create(api_app, 1000 + i, OUTAGE_PAYMENT_METHOD)
                for i in range(self.failing_payments)
            ]
            step.note(payments=len(good) + len(failing), during_processor_outage=len(failing))
        with tl.step("inject poison messages") as step:
            for body in POISON_BODIES:
                sqs.send_message(QueueUrl=queue_url, MessageBody=body)
            step.note(poison=len(POISON_BODIES))
        with tl.step("wait for the good payments to settle") as step:
            self._wait(lambda: statuses_of(dsn, good) == {"settled": len(good)}, loops)
            step.note(settled=len(good))
        with tl.step("inject a stale dead copy of a settled payment") as step:
            stale = good[0]
            sqs.send_message(QueueUrl=dlq_url, MessageBody=json.dumps({"payment_id": stale}))
            step.note(payment=stale)
        expected_letters = len(POISON_BODIES) + len(failing) + 1
        with tl.step("wait until every bad message is dead-lettered and audited") as step:
            self._wait(lambda: self._letter_count(dsn) >= expected_letters, loops)
            letters = self._letters(dsn)
            step.note(dead_letters=len(letters))
        outage.active = False
        tl.event("processor outage ended")
        with tl.step("redrive, dry run first") as step:
            before = (self._letter_count(dsn, open_only=True), statuses_of(dsn, failing))
            with psycopg.connect(dsn, autocommit=True) as conn:
                dry = redrive(conn, sqs, dlq_url, queue_url, dry_run=True)
            after = (self._letter_count(dsn, open_only=True), statuses_of(dsn, failing))
            step.note(would_redrive=len(dry.redriven), skipped=len(dry.skipped))
        redrive_at = tl.clock.now()
        with tl.step("redrive (payments.ops.redrive)") as step:
            with psycopg.connect(dsn, autocommit=True) as conn:
                report = redrive(conn, sqs, dlq_url, queue_url, dry_run=False)
            step.note(redriven=len(report.redriven), skipped=len(report.skipped))
        with tl.step("wait for the redriven payments to settle") as step:
            self._wait(lambda: statuses_of(dsn, failing) == {"settled": len(failing)}, loops)
            settled_at = tl.clock.now()
            step.note(settled=len(failing))
        result.rto_seconds = settled_at - redrive_at
        seen = QueueObservations(
            good, failing, stale, letters, failures, to_dlq, dry, before == after, report
        )
        judge_queue(result, dsn, seen, self.max_receive_count, len(POISON_BODIES))

    def _apps(self, sqs: Any, dsn: str, queue_url: str) -> tuple[App, App, App, _ProcessorOutage]:
        """The API, worker and DLQ auditor as their Lambdas build them, on the drill's parts."""

        def connect() -> psycopg.Connection[Any]:
            return connect_dsn(dsn, "dr-queue-drill")

        settings = self.ledger.settings().model_copy(update={"queue_url": queue_url})
        outage = _ProcessorOutage(FakeProcessor(connect))
        worker_app = _quiet(App(settings, "worker", database=Database(connect), processor=outage))
        auditor_app = _quiet(App(settings, "dlq-auditor", database=Database(connect)))
        api_app = _quiet(
            App(settings, "api", database=Database(connect), sender=SqsSender(sqs, queue_url))
        )
        return api_app, worker_app, auditor_app, outage

    def _queues(self, sqs: Any) -> tuple[str, str, str, str]:
        """The payments queue with its redrive policy, and its dead-letter queue."""
        n = self.max_receive_count
        with self.timeline.step(f"create the payments queue and its DLQ (maxReceiveCount {n})"):
            dlq_url = str(sqs.create_queue(QueueName="pcizone-drill-payments-dlq")["QueueUrl"])
            dlq_arn = _arn(sqs, dlq_url)
            policy = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(n)}
            queue_url = str(
                sqs.create_queue(
                    QueueName="pcizone-drill-payments",
                    # Visibility 0: a failed message is redelivered at once, so the drill takes
                    # seconds; the receive count, not the clock, decides when it dies.
                    Attributes={"VisibilityTimeout": "0", "RedrivePolicy": json.dumps(policy)},
                )["QueueUrl"]
            )
        return queue_url, _arn(sqs, queue_url), dlq_url, dlq_arn

    # -- helpers --------------------------------------------------------------------------------
    def _create(self, app: App, n: int, token: str) -> str:
        payment = ProbePayment(n, f"{self.run_id}-{n:07d}", 100 + n, "EUR")
        response = api.handle(app, probe_event(payment, payment_method=token))
        if response["statusCode"] != 201:
            raise RuntimeError(f"the payments API refused a drill payment: {response['body']}")
        body = json.loads(str(response["body"]))
        return str(body["id"])

    def _wait(self, done: Callable[[], bool], loops: list[SqsLoop]) -> None:
        deadline = time.monotonic() + self.timeout
        while not done():
            for loop in loops:
                if loop.error:
                    raise RuntimeError(f"an SQS poller stopped: {loop.error}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"not reached within {self.timeout:g} s")
            time.sleep(0.02)

    @staticmethod
    def _letter_count(dsn: str, open_only: bool = False) -> int:
        with psycopg.connect(dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FILTER (WHERE NOT %s OR resolution = 'open') FROM dead_letters",
                (open_only,),
            ).fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def _letters(dsn: str) -> dict[str, tuple[str | None, str]]:
        with psycopg.connect(dsn, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT message_id, payment_id, reason FROM dead_letters"
            ).fetchall()
        return {str(m): (p, str(r)) for m, p, r in rows}


def _arn(sqs: Any, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return str(attrs["QueueArn"])


def _age(message: Mapping[str, Any]) -> float:
    """Seconds since SQS first accepted the message (SentTimestamp survives the DLQ move)."""
    sent_ms = int(message.get("Attributes", {}).get("SentTimestamp", "0"))
    return max(time.time() - sent_ms / 1000, 0.0) if sent_ms else float("nan")
