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
import statistics
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
import structlog
from payments import api, auditor, ledger, worker
from payments.app import App
from payments.db.connection import Database, connect_dsn
from payments.ops.redrive import RedriveReport, redrive
from payments.outbox import SqsSender
from payments.processor.base import ChargeRequest, ChargeResult, RetryableProcessorError
from payments.processor.fake import FakeProcessor, journal_summary

from pcizone.dr.payments_ledger import PaymentsLedger, probe_event
from pcizone.dr.probe import ProbePayment, new_run_id
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
            self._wait(lambda: self._statuses(dsn, good) == {"settled": len(good)}, loops)
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
            before = (self._letter_count(dsn, open_only=True), self._statuses(dsn, failing))
            with psycopg.connect(dsn, autocommit=True) as conn:
                dry = redrive(conn, sqs, dlq_url, queue_url, dry_run=True)
            after = (self._letter_count(dsn, open_only=True), self._statuses(dsn, failing))
            step.note(would_redrive=len(dry.redriven), skipped=len(dry.skipped))
        redrive_at = tl.clock.now()
        with tl.step("redrive (payments.ops.redrive)") as step:
            with psycopg.connect(dsn, autocommit=True) as conn:
                report = redrive(conn, sqs, dlq_url, queue_url, dry_run=False)
            step.note(redriven=len(report.redriven), skipped=len(report.skipped))
        with tl.step("wait for the redriven payments to settle") as step:
            self._wait(lambda: self._statuses(dsn, failing) == {"settled": len(failing)}, loops)
            settled_at = tl.clock.now()
            step.note(settled=len(failing))
        result.rto_seconds = settled_at - redrive_at
        seen = _Seen(good, failing, stale, letters, failures, to_dlq, dry, before == after, report)
        self._judge(result, dsn, seen)

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

    def _judge(self, result: ScenarioResult, dsn: str, seen: _Seen) -> None:
        n = self.max_receive_count
        good, failing, stale, letters = seen.good, seen.failing, seen.stale, seen.letters
        failures, to_dlq, dry, report = seen.failures, seen.to_dlq, seen.dry, seen.report
        worker_dead = [m for m in letters if failures[m] > 0]
        result.check(
            "bad messages reached the DLQ after maxReceiveCount receives",
            len(worker_dead) == len(POISON_BODIES) + len(failing)
            and all(failures[m] == n for m in worker_dead),
            f"{len(worker_dead)} dead-lettered by the queue, receives per message:"
            f" {sorted(set(failures[m] for m in worker_dead))} (maxReceiveCount {n})",
        )
        reasons = Counter(_reason_kind(reason) for _pid, reason in letters.values())
        expected = Counter(malformed=2, unknown=1, pending=len(failing), final=1)
        result.check(
            "the auditor recorded every dead letter with its reason",
            reasons == expected,
            f"recorded {dict(reasons)}, expected {dict(expected)}",
        )
        result.check(
            "the dry run would redrive exactly the unsettled payments and changed nothing",
            {i.payment_id for i in dry.redriven} == set(failing) and seen.dry_run_changed_nothing,
            f"would redrive {len(dry.redriven)}, skip {len(dry.skipped)}; dead letters and"
            f" payments {'unchanged' if seen.dry_run_changed_nothing else 'CHANGED'}",
        )
        redriven = {i.payment_id for i in report.redriven}
        skipped_settled = any(i.payment_id == stale for i in report.skipped)
        result.check(
            "the redrive re-sent only unsettled payments",
            redriven == set(failing) and skipped_settled,
            f"re-sent {len(redriven)} of {len(failing)} unsettled; skipped {len(report.skipped)}"
            f" (poison and the settled payment's stale copy)",
        )
        with psycopg.connect(dsn, autocommit=True) as conn:
            accepted = good + failing
            statuses = self._statuses(dsn, accepted)
            unbalanced = ledger.unbalanced_payments(conn)
            inconsistent = ledger.settled_without_posting(conn)
            row = conn.execute(
                "SELECT count(*), count(DISTINCT payment_id) FROM charges WHERE payment_id = ANY(%s)",
                (accepted,),
            ).fetchone()
            journal = journal_summary(conn)
        charges, charged = (int(row[0]), int(row[1])) if row else (0, 0)
        result.check(
            "no double charge",
            charges == charged == len(accepted)
            and not journal.double_charged
            and not unbalanced
            and not inconsistent,
            f"{charges} charges for {len(accepted)} payments; processor double charges:"
            f" {len(journal.double_charged)}; unbalanced postings: {len(unbalanced)};"
            f" settled without posting: {len(inconsistent)}",
        )
        lost = len(accepted) - statuses.get("settled", 0)
        result.rpo_commits = lost
        result.rpo_seconds = 0.0 if lost == 0 else None
        result.measurements.update(
            max_receive_count=n,
            time_to_dlq_seconds=_spread(to_dlq),
            redrive_completeness=round(len(redriven & set(failing)) / len(failing), 4)
            if failing
            else 1.0,
            redrive=report.as_dict() | {"items": len(report.items)},
            payments_accepted=len(accepted),
            payment_statuses=statuses,
        )
        result.judge_targets()

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
    def _statuses(dsn: str, ids: list[str]) -> dict[str, int]:
        with psycopg.connect(dsn, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT status, count(*) FROM payments WHERE id = ANY(%s) GROUP BY status", (ids,)
            ).fetchall()
        return {str(s): int(c) for s, c in rows}

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


@dataclass(frozen=True)
class _Seen:
    """What the drill observed, for judging."""

    good: list[str]
    failing: list[str]
    stale: str
    letters: dict[str, tuple[str | None, str]]
    failures: Counter[str]
    to_dlq: list[float]
    dry: RedriveReport
    dry_run_changed_nothing: bool
    report: RedriveReport


def _arn(sqs: Any, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return str(attrs["QueueArn"])


def _age(message: Mapping[str, Any]) -> float:
    """Seconds since SQS first accepted the message (SentTimestamp survives the DLQ move)."""
    sent_ms = int(message.get("Attributes", {}).get("SentTimestamp", "0"))
    return max(time.time() - sent_ms / 1000, 0.0) if sent_ms else float("nan")


def _reason_kind(reason: str) -> str:
    if reason.startswith("malformed"):
        return "malformed"
    if reason.startswith("unknown"):
        return "unknown"
    if reason.startswith("payment still pending"):
        return "pending"
    return "final" if reason.startswith("payment already") else reason


def _spread(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"count": 0, "min": None, "median": None, "max": None}
    return {
        "count": len(values),
        "min": round(min(values), 3),
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }
