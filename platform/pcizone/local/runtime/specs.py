"""What the local runtime runs: functions, SQS event source mappings, HTTP routes, and tuning.

The deploy step builds these from the resources it created in the emulator. Each spec checks
itself on construction against the limits AWS enforces on the same setting (a value AWS would
refuse is refused here too), so a bad deploy fails before anything starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pcizone.local.runtime.errors import RuntimeConfigError

_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_HANDLER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
_ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
_QUEUE_ARN = re.compile(r"^arn:aws:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80}(\.fifo)?)$")
_ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"})
_PATH_SEGMENT = re.compile(r"^(\{[A-Za-z0-9_.:-]+\+?\}|[^{}/]+)$")

# Set by Lambda itself: CreateFunction refuses them in Environment.Variables. The emulator's
# endpoint is ours to set as well.
RESERVED_ENV_VARS = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_REGION",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "LAMBDA_RUNTIME_DIR",
        "LAMBDA_TASK_ROOT",
    }
)
MAX_TIMEOUT_SECONDS = 900
MIN_MEMORY_MB, MAX_MEMORY_MB = 128, 10240
MAX_STANDARD_BATCH, MAX_FIFO_BATCH, MAX_BATCH_WITHOUT_WINDOW = 10_000, 10, 10
MAX_BATCHING_WINDOW_SECONDS = 300
MIN_MAXIMUM_CONCURRENCY, MAX_MAXIMUM_CONCURRENCY = 2, 1000


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function: `handler` is `module.function`, imported once per environment.

    `code_paths` are put first on the environment's `sys.path` (Lambda's task root); installed
    packages, such as the payments service, need none.
    """

    name: str
    handler: str
    env: dict[str, str]
    role_arn: str
    timeout_seconds: int
    memory_mb: int
    reserved_concurrency: int | None
    code_paths: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        where = f"function {self.name!r}"
        if not _FUNCTION_NAME.match(self.name):
            raise RuntimeConfigError(f"{where}: name must be 1-64 letters, digits, '-' or '_'")
        if not _HANDLER.match(self.handler):
            raise RuntimeConfigError(f"{where}: handler {self.handler!r} is not module.function")
        if not _ROLE_ARN.match(self.role_arn):
            raise RuntimeConfigError(f"{where}: role_arn {self.role_arn!r} is not an IAM role ARN")
        if not 1 <= self.timeout_seconds <= MAX_TIMEOUT_SECONDS:
            raise RuntimeConfigError(f"{where}: timeout_seconds must be 1-{MAX_TIMEOUT_SECONDS}")
        if not MIN_MEMORY_MB <= self.memory_mb <= MAX_MEMORY_MB:
            raise RuntimeConfigError(f"{where}: memory_mb must be {MIN_MEMORY_MB}-{MAX_MEMORY_MB}")
        if self.reserved_concurrency is not None and self.reserved_concurrency < 0:
            raise RuntimeConfigError(f"{where}: reserved_concurrency must be 0 or more")
        for key, value in self.env.items():
            if not _ENV_NAME.match(key):
                raise RuntimeConfigError(f"{where}: environment variable name {key!r} is invalid")
            if key in RESERVED_ENV_VARS:
                raise RuntimeConfigError(f"{where}: environment variable {key} is reserved")
            if not isinstance(value, str):
                raise RuntimeConfigError(f"{where}: environment variable {key} must be a string")

    @property
    def account_id(self) -> str:
        match = _ROLE_ARN.match(self.role_arn)
        assert match is not None  # checked in __post_init__
        return match.group(1)


@dataclass(frozen=True)
class EventSourceSpec:
    """An SQS event source mapping (Lambda's `CreateEventSourceMapping` for a queue)."""

    function_name: str
    queue_url: str
    queue_arn: str
    batch_size: int
    maximum_concurrency: int | None
    report_batch_item_failures: bool
    maximum_batching_window_seconds: int = 0

    def __post_init__(self) -> None:
        where = f"event source {self.queue_arn!r} -> {self.function_name!r}"
        if not _QUEUE_ARN.match(self.queue_arn):
            raise RuntimeConfigError(f"{where}: queue_arn is not an SQS queue ARN")
        if not self.queue_url.startswith(("http://", "https://")):
            raise RuntimeConfigError(f"{where}: queue_url {self.queue_url!r} is not a URL")
        if not self.queue_url.rstrip("/").endswith("/" + self.queue_name):
            raise RuntimeConfigError(f"{where}: queue_url does not name queue {self.queue_name}")
        window = self.maximum_batching_window_seconds
        if not 0 <= window <= MAX_BATCHING_WINDOW_SECONDS:
            raise RuntimeConfigError(
                f"{where}: maximum_batching_window_seconds must be 0-{MAX_BATCHING_WINDOW_SECONDS}"
            )
        limit = MAX_FIFO_BATCH if self.fifo else MAX_STANDARD_BATCH
        if not 1 <= self.batch_size <= limit:
            raise RuntimeConfigError(f"{where}: batch_size must be 1-{limit}")
        if self.fifo and window:
            raise RuntimeConfigError(f"{where}: FIFO queues take no batching window")
        if self.batch_size > MAX_BATCH_WITHOUT_WINDOW and window < 1:
            raise RuntimeConfigError(
                f"{where}: a batch_size over {MAX_BATCH_WITHOUT_WINDOW} needs a batching window"
                " of at least 1 second"
            )
        concurrency = self.maximum_concurrency
        if concurrency is not None and not (
            MIN_MAXIMUM_CONCURRENCY <= concurrency <= MAX_MAXIMUM_CONCURRENCY
        ):
            raise RuntimeConfigError(
                f"{where}: maximum_concurrency must be"
                f" {MIN_MAXIMUM_CONCURRENCY}-{MAX_MAXIMUM_CONCURRENCY}"
            )

    @property
    def queue_name(self) -> str:
        match = _QUEUE_ARN.match(self.queue_arn)
        assert match is not None  # checked in __post_init__
        return match.group(3)

    @property
    def fifo(self) -> bool:
        return self.queue_arn.endswith(".fifo")


@dataclass(frozen=True)
class HttpRouteSpec:
    """An HTTP API route: `"POST /payments"`, `"GET /payments/{id}"`, `"ANY /{proxy+}"`,
    or `"$default"`."""

    route_key: str
    function_name: str

    def __post_init__(self) -> None:
        if self.route_key == "$default":
            return
        where = f"route {self.route_key!r}"
        method, _space, path = self.route_key.partition(" ")
        if method not in _HTTP_METHODS:
            raise RuntimeConfigError(f"{where}: method must be one of {sorted(_HTTP_METHODS)}")
        if not path.startswith("/") or " " in path:
            raise RuntimeConfigError(f"{where}: path must start with '/' and hold no spaces")
        segments = [s for s in path.split("/")[1:] if s]
        for position, segment in enumerate(segments):
            if not _PATH_SEGMENT.match(segment):
                raise RuntimeConfigError(f"{where}: path segment {segment!r} is invalid")
            if segment.endswith("+}") and position != len(segments) - 1:
                raise RuntimeConfigError(f"{where}: a greedy {segment} must be the last segment")


@dataclass(frozen=True)
class RuntimeTuning:
    """Knobs that trade AWS fidelity for a laptop's CPU and a test's patience.

    Every default keeps AWS semantics except where noted; tests shorten the waits.
    """

    # Long-poll wait of each ReceiveMessage (AWS's pollers use 20 s). Shorter here so stop()
    # returns promptly; an idle long poll costs the emulator almost nothing.
    poll_wait_seconds: int = 1
    # FIFO queues are short-polled with this pause when empty: moto's long poll spins on a
    # FIFO queue while a message group is in flight.
    fifo_idle_seconds: float = 0.2
    # None keeps AWS semantics: a failed message stays invisible until the queue's visibility
    # timeout ends. A number sets that message's visibility to it (0: retry at once).
    failed_visibility_seconds: int | None = None
    # Execution environments per function without reserved concurrency (Lambda would scale to
    # the account limit; each environment here is a Python process).
    default_function_concurrency: int = 4
    # How long an invocation waits for a free environment before it is throttled.
    acquire_timeout_seconds: float = 30.0
    # Lambda's init phase limit.
    init_timeout_seconds: float = 10.0
    # Assumed-role credentials: how long they last, and how early an environment holding them
    # is recycled (a cold start, as when Lambda retires an environment).
    credential_duration_seconds: int = 3600
    credential_refresh_margin_seconds: int = 300
    # Kill an environment whose peak memory exceeds its function's memory_mb (Lambda's OOM).
    enforce_memory_limit: bool = True
    # Back-off after an SQS error, doubling from the first value up to the second.
    error_backoff_seconds: tuple[float, float] = (0.2, 5.0)

    def __post_init__(self) -> None:
        if not 0 <= self.poll_wait_seconds <= 20:
            raise RuntimeConfigError("tuning: poll_wait_seconds must be 0-20 (SQS's limit)")
        if self.failed_visibility_seconds is not None and not (
            0 <= self.failed_visibility_seconds <= 43200
        ):
            raise RuntimeConfigError("tuning: failed_visibility_seconds must be 0-43200")
        if self.default_function_concurrency < 1:
            raise RuntimeConfigError("tuning: default_function_concurrency must be 1 or more")
        if self.credential_refresh_margin_seconds >= self.credential_duration_seconds:
            raise RuntimeConfigError(
                "tuning: credential_refresh_margin_seconds must be below"
                " credential_duration_seconds"
            )
        low, high = self.error_backoff_seconds
        if not 0 < low <= high:
            raise RuntimeConfigError(
                "tuning: error_backoff_seconds must be (low, high), 0 < low <= high"
            )
