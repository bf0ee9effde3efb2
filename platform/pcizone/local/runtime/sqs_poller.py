"""The SQS event source mapping: pollers that feed a function batches from a queue.

Each poller thread loops: receive a batch (long poll; up to `batch_size` messages, gathered
over the batching window when there is one, with short receives 0.1 s apart), invoke the function synchronously, then delete
what succeeded. What failed is left alone: SQS makes it visible again when the queue's
visibility timeout ends, counts the receive, and moves it to the dead-letter queue once the
count passes `maxReceiveCount` (moto does this on receive, as SQS does). Pollers use the
function's role, as Lambda's do. The number of pollers is the mapping's maximum concurrency,
capped by the function's concurrency, so concurrent invocations never exceed either.

FIFO queues keep their order because SQS returns no message of a group while another message
of that group is in flight: a group is in at most one batch at a time.

Stopping with drain finishes the batch each poller holds (invoke, then delete or leave);
without drain, a held batch that was not yet invoked is released (made visible at once).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from pcizone.local.runtime.credentials import AssumedRole
from pcizone.local.runtime.errors import LocalRuntimeError, RuntimeConfigError
from pcizone.local.runtime.invocation import InvocationOutcome
from pcizone.local.runtime.logs import EventLog
from pcizone.local.runtime.pool import FunctionPool, PoolClosed
from pcizone.local.runtime.specs import EventSourceSpec, RuntimeTuning
from pcizone.local.runtime.sqs_event import (
    BatchVerdict,
    judge_answer,
    sqs_event,
    whole_batch_failure,
)

# Entries per ReceiveMessage, DeleteMessageBatch and ChangeMessageVisibilityBatch.
_SQS_BATCH_LIMIT = 10
_READ_TIMEOUT_MARGIN_SECONDS = 10
_WINDOW_PAUSE_SECONDS = 0.1  # between the receives that fill a batching window

# moto's ReceiveMessage is not atomic: two receives running at once on one queue can both take
# the same message (seen on FIFO queues, where it breaks group order). The pollers of a queue
# therefore take turns; a receive returns as soon as a message is there, so turns are short.
_RECEIVE_LOCKS: dict[str, threading.Lock] = {}
_RECEIVE_LOCKS_GUARD = threading.Lock()


def _receive_lock(queue_arn: str) -> threading.Lock:
    with _RECEIVE_LOCKS_GUARD:
        return _RECEIVE_LOCKS.setdefault(queue_arn, threading.Lock())


def _boto_errors() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(exc).__name__


class SqsEventSource:
    def __init__(
        self,
        spec: EventSourceSpec,
        pool: FunctionPool,
        role: AssumedRole,
        events: EventLog,
        tuning: RuntimeTuning,
    ) -> None:
        self.spec = spec
        self.pool = pool
        self.role = role
        self.tuning = tuning
        self.concurrency = min(spec.maximum_concurrency or pool.cap, pool.cap)
        self.visibility_timeout_seconds: int | None = None
        self.max_receive_count: int | None = None
        self._events = events
        self._stop = threading.Event()
        self._drain = True
        self._threads: list[threading.Thread] = []
        self._read_timeout = tuning.poll_wait_seconds + _READ_TIMEOUT_MARGIN_SECONDS
        self._receive_lock = _receive_lock(spec.queue_arn)

    # -- lifecycle -------------------------------------------------------------------------

    def check_queue(self) -> None:
        """Refuse what AWS's CreateEventSourceMapping refuses, and take the queue over from
        moto's own (Docker-backed) mapping, which would otherwise consume its messages."""
        spec = self.spec
        where = f"event source {spec.queue_name} -> {spec.function_name}"
        sqs = self.role.client("sqs")
        try:
            attributes = sqs.get_queue_attributes(
                QueueUrl=spec.queue_url,
                AttributeNames=["QueueArn", "VisibilityTimeout", "RedrivePolicy", "FifoQueue"],
            )["Attributes"]
        except _boto_errors() as exc:
            raise RuntimeConfigError(
                f"{where}: queue not found in the emulator ({_error_code(exc)})"
            ) from None
        if attributes.get("QueueArn") != spec.queue_arn:
            raise RuntimeConfigError(f"{where}: queue_url and queue_arn name different queues")
        visibility = int(attributes.get("VisibilityTimeout", "30"))
        timeout = self.pool.spec.timeout_seconds
        if visibility < timeout:
            raise RuntimeConfigError(
                f"{where}: queue visibility timeout ({visibility} s) is less than the function"
                f" timeout ({timeout} s)"
            )
        self.visibility_timeout_seconds = visibility
        redrive = attributes.get("RedrivePolicy")
        if redrive:
            self.max_receive_count = int(json.loads(redrive).get("maxReceiveCount", 0)) or None
        self._disable_emulator_mappings()

    def _disable_emulator_mappings(self) -> None:
        lambda_client = self.role.client("lambda")
        try:
            found = lambda_client.list_event_source_mappings(EventSourceArn=self.spec.queue_arn)
            for mapping in found.get("EventSourceMappings", []):
                if mapping.get("State") in {"Enabled", "Enabling", "Updating"}:
                    lambda_client.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
                    self._events.event(
                        "emulator_mapping_disabled",
                        queue=self.spec.queue_name,
                        uuid=mapping["UUID"],
                    )
        except _boto_errors() as exc:
            raise RuntimeConfigError(
                f"event source {self.spec.queue_name}: could not disable the emulator's own"
                f" mapping ({_error_code(exc)})"
            ) from None

    def start(self) -> None:
        self._events.event(
            "mapping_started",
            queue=self.spec.queue_name,
            function=self.spec.function_name,
            pollers=self.concurrency,
            batch_size=self.spec.batch_size,
        )
        for index in range(self.concurrency):
            thread = threading.Thread(
                target=self._run, name=f"esm-{self.spec.queue_name}-{index}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def request_stop(self, drain: bool) -> None:
        self._drain = drain
        self._stop.set()

    def join(self, timeout: float) -> bool:
        """True when every poller has ended within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)

    # -- the poller loop -------------------------------------------------------------------

    def _run(self) -> None:
        low, high = self.tuning.error_backoff_seconds
        receive_errors: tuple[type[BaseException], ...] = (*_boto_errors(), LocalRuntimeError)
        delay = 0.0
        while not self._stop.is_set():
            if delay:
                self._stop.wait(delay)
            try:
                batch = self._gather()
            except receive_errors as exc:  # SQS down or throttling, STS refusing credentials
                self._events.event(
                    "receive_failed", queue=self.spec.queue_name, error=_error_code(exc)
                )
                delay = min(high, max(low, delay * 2))
                continue
            if not batch:
                delay = self.tuning.fifo_idle_seconds if self.spec.fifo else 0.0
                continue
            if self._stop.is_set() and not self._drain:
                self._change_visibility(batch, 0, "released")
                return
            try:
                healthy = self._process(batch)
            except Exception as exc:  # a poller must outlive any one batch; SQS redelivers it
                self._events.event(
                    "batch_abandoned",
                    queue=self.spec.queue_name,
                    error=type(exc).__name__,
                    message_ids=[m.get("MessageId") for m in batch],
                )
                healthy = False
            delay = 0.0 if healthy else min(high, max(low, delay * 2))

    def _gather(self) -> list[dict[str, Any]]:
        """Up to batch_size messages: one receive, or as many as the batching window allows."""
        spec = self.spec
        sqs = self.role.client("sqs", read_timeout=self._read_timeout)
        batch: list[dict[str, Any]] = []
        window_end: float | None = None
        while len(batch) < spec.batch_size:
            if window_end is None:
                wait = 0 if spec.fifo else self.tuning.poll_wait_seconds
            else:
                # A receive returns as soon as one message is visible: without a pause between
                # receives, a window would cost a receive per message instead of gathering.
                remaining = window_end - time.monotonic()
                if remaining <= 0 or self._stop.wait(min(remaining, _WINDOW_PAUSE_SECONDS)):
                    break
                wait = 0
            with self._receive_lock:
                if self._stop.is_set() and not batch:  # waited for our turn while stopping
                    break
                response = sqs.receive_message(
                    QueueUrl=spec.queue_url,
                    MaxNumberOfMessages=min(_SQS_BATCH_LIMIT, spec.batch_size - len(batch)),
                    WaitTimeSeconds=wait,
                    MessageSystemAttributeNames=["All"],
                    MessageAttributeNames=["All"],
                )
            messages = response.get("Messages", [])
            batch.extend(messages)
            if window_end is None:
                if not messages or not spec.maximum_batching_window_seconds:
                    break
                window_end = time.monotonic() + spec.maximum_batching_window_seconds
        return batch

    def _process(self, batch: list[dict[str, Any]]) -> bool:
        """Invoke on one batch and settle it; False when the invocation itself failed."""
        spec = self.spec
        ids = [m["MessageId"] for m in batch]
        event = sqs_event(batch, spec.queue_arn, self.pool.endpoint.region)
        try:
            outcome = self.pool.invoke(event)
        except PoolClosed:
            self._change_visibility(batch, 0, "released")
            return False
        verdict = self._verdict(outcome, ids)
        succeeded = [m for m in batch if not verdict.failed(m["MessageId"])]
        failed = [m for m in batch if verdict.failed(m["MessageId"])]
        deleted = self._delete(succeeded)
        if failed and self.tuning.failed_visibility_seconds is not None:
            self._change_visibility(failed, self.tuning.failed_visibility_seconds, "retry")
        self._events.event(
            "batch",
            queue=spec.queue_name,
            function=spec.function_name,
            request_id=outcome.request_id,
            outcome=outcome.status,
            error_type=outcome.error_type or None,
            message_ids=ids,
            receive_counts=[m.get("Attributes", {}).get("ApproximateReceiveCount") for m in batch],
            deleted=deleted,
            failed_ids=[m["MessageId"] for m in failed],
            whole_batch_failed=verdict.whole_batch_failed,
            reason=verdict.reason or None,
            duration_ms=round(outcome.duration_ms, 2),
        )
        return outcome.ok

    def _verdict(self, outcome: InvocationOutcome, ids: list[str]) -> BatchVerdict:
        if not outcome.ok:
            return whole_batch_failure(f"invocation {outcome.status}: {outcome.error_type}")
        return judge_answer(outcome.result(), ids, self.spec.report_batch_item_failures)

    def _delete(self, messages: list[dict[str, Any]]) -> int:
        """Delete what succeeded; a message that cannot be deleted comes back (at least once)."""
        sqs = self.role.client("sqs")
        deleted = 0
        for start in range(0, len(messages), _SQS_BATCH_LIMIT):
            chunk = messages[start : start + _SQS_BATCH_LIMIT]
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
            ]
            try:
                response = sqs.delete_message_batch(QueueUrl=self.spec.queue_url, Entries=entries)
            except _boto_errors() as exc:
                self._events.event(
                    "delete_failed",
                    queue=self.spec.queue_name,
                    error=_error_code(exc),
                    message_ids=[m["MessageId"] for m in chunk],
                )
                continue
            failures = response.get("Failed", [])
            deleted += len(chunk) - len(failures)
            if failures:
                self._events.event(
                    "delete_failed",
                    queue=self.spec.queue_name,
                    error=",".join(sorted({str(f.get("Code")) for f in failures})),
                    message_ids=[chunk[int(f["Id"])]["MessageId"] for f in failures],
                )
        return deleted

    def _change_visibility(self, messages: list[dict[str, Any]], seconds: int, why: str) -> None:
        sqs = self.role.client("sqs")
        for start in range(0, len(messages), _SQS_BATCH_LIMIT):
            chunk = messages[start : start + _SQS_BATCH_LIMIT]
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": seconds}
                for i, m in enumerate(chunk)
            ]
            try:
                sqs.change_message_visibility_batch(QueueUrl=self.spec.queue_url, Entries=entries)
            except _boto_errors() as exc:
                # Harmless: the messages come back when their visibility timeout ends anyway.
                self._events.event(
                    "visibility_change_failed", queue=self.spec.queue_name, error=_error_code(exc)
                )
                continue
            self._events.event(
                "visibility_changed",
                queue=self.spec.queue_name,
                seconds=seconds,
                why=why,
                message_ids=[m["MessageId"] for m in chunk],
            )
