"""Settings of the payments service deployment (developer stacks, staging and prod)."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from pcizone.config.fields import ConfigModel, LogRetentionDays, between, field_issue

# AWS Lambda's hard limits and SQS's.
_MAX_LAMBDA_TIMEOUT = 900
_MAX_SQS_RETENTION = 1_209_600  # 14 days
_VISIBILITY_FACTOR = 6  # AWS guidance: queue visibility >= 6x the function timeout


class QueueSettings(ConfigModel):
    fifo: bool = False
    max_receive_count: Annotated[int, between(1, 1000)] = 5
    message_retention_seconds: Annotated[int, between(60, _MAX_SQS_RETENTION)] = 345_600
    visibility_timeout_seconds: Annotated[int, between(0, 43_200)] = 180
    receive_wait_time_seconds: Annotated[int, between(0, 20)] = 20
    dlq_retention_seconds: Annotated[int, between(60, _MAX_SQS_RETENTION)] = _MAX_SQS_RETENTION


class FunctionSettings(ConfigModel):
    timeout_seconds: Annotated[int, between(1, _MAX_LAMBDA_TIMEOUT)] = 30
    memory_mb: Annotated[int, between(128, 10_240)] = 512
    reserved_concurrency: Annotated[int, between(1, 1000)] = 10


class WorkerSettings(FunctionSettings):
    batch_size: Annotated[int, between(1, 10_000)] = 10
    maximum_concurrency: Annotated[int, between(2, 1000)] = 5
    maximum_batching_window_seconds: Annotated[int, between(0, 300)] = 0


class AuditorSettings(FunctionSettings):
    timeout_seconds: Annotated[int, between(1, _MAX_LAMBDA_TIMEOUT)] = 30
    memory_mb: Annotated[int, between(128, 10_240)] = 256
    reserved_concurrency: Annotated[int, between(1, 1000)] = 2
    batch_size: Annotated[int, between(1, 10)] = 10


class ApiSettings(FunctionSettings):
    timeout_seconds: Annotated[int, between(1, 29)] = 10  # API Gateway's integration limit
    memory_mb: Annotated[int, between(128, 10_240)] = 256
    reserved_concurrency: Annotated[int, between(1, 1000)] = 20
    throttling_rate_limit: Annotated[int, between(1, 10_000)] = 50
    throttling_burst_limit: Annotated[int, between(1, 5_000)] = 100
    max_amount_minor: Annotated[int, between(1, 100_000_000_00)] = 1_000_000
    auth: Literal["iam", "jwt"] = "iam"
    jwt_issuer: str | None = None
    jwt_audience: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _jwt_needs_issuer(self) -> Self:
        if self.auth == "jwt" and not (self.jwt_issuer and self.jwt_audience):
            raise field_issue("jwtIssuer", "auth 'jwt' needs jwtIssuer and jwtAudience")
        return self


class RelaySettings(FunctionSettings):
    """The outbox relay: re-sends queue messages whose send failed after their payment committed."""

    timeout_seconds: Annotated[int, between(1, _MAX_LAMBDA_TIMEOUT)] = 60
    memory_mb: Annotated[int, between(128, 10_240)] = 256
    reserved_concurrency: Annotated[int, between(1, 10)] = 1
    interval_minutes: Annotated[int, between(1, 60)] = 1


class ProcessorSettings(ConfigModel):
    kind: Literal["fake", "stripe"] = "fake"


class PaymentsSettings(ConfigModel):
    queue: QueueSettings = QueueSettings()
    worker: WorkerSettings = WorkerSettings()
    api: ApiSettings = ApiSettings()
    auditor: AuditorSettings = AuditorSettings()
    outbox_relay: RelaySettings = RelaySettings()
    processor: ProcessorSettings = ProcessorSettings()
    log_retention_days: LogRetentionDays = 400
    idempotency_ttl_days: Annotated[int, between(15, 90)] = 30

    @model_validator(mode="after")
    def _queue_matches_worker(self) -> Self:
        q, w = self.queue, self.worker
        if q.fifo and w.batch_size > 10:
            raise field_issue(
                "worker.batchSize", f"must be at most 10 for a FIFO queue, got {w.batch_size}"
            )
        if w.batch_size > 10 and w.maximum_batching_window_seconds == 0:
            raise field_issue(
                "worker.maximumBatchingWindowSeconds",
                f"must be above 0 when batchSize is above 10 (got batchSize {w.batch_size})",
            )
        needed = _VISIBILITY_FACTOR * w.timeout_seconds
        if q.visibility_timeout_seconds < needed:
            raise field_issue(
                "queue.visibilityTimeoutSeconds",
                f"must be at least 6 x worker.timeoutSeconds ({needed}),"
                f" got {q.visibility_timeout_seconds}",
            )
        if q.dlq_retention_seconds <= q.message_retention_seconds:
            raise field_issue(
                "queue.dlqRetentionSeconds",
                f"must be longer than messageRetentionSeconds ({q.message_retention_seconds}),"
                f" got {q.dlq_retention_seconds}",
            )
        if w.maximum_concurrency > w.reserved_concurrency:
            raise field_issue(
                "worker.maximumConcurrency",
                f"must not exceed worker.reservedConcurrency ({w.reserved_concurrency}),"
                f" got {w.maximum_concurrency}",
            )
        # A message can be redelivered until it expires from the queue, then from the DLQ
        # (the redrive window): idempotency records must outlive both.
        window_days = (q.message_retention_seconds + q.dlq_retention_seconds) / 86_400
        if self.idempotency_ttl_days < window_days:
            raise field_issue(
                "idempotencyTtlDays",
                "must cover the queue retention plus the DLQ redrive window"
                f" ({window_days:g} days), got {self.idempotency_ttl_days}",
            )
        return self
