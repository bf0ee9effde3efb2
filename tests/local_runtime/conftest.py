"""An emulator per test module, queues per test, and runtimes built on the test handlers."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from pcizone.local.emulator import EmulatorEndpoint
from pcizone.local.runtime import (
    EventSourceSpec,
    FunctionSpec,
    HttpRouteSpec,
    LocalRuntime,
    RuntimeTuning,
)

HANDLERS = Path(__file__).parent / "handlers"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
# Short waits: these tests check semantics, not AWS's timings.
FAST = RuntimeTuning(poll_wait_seconds=1, fifo_idle_seconds=0.05, error_backoff_seconds=(0.05, 0.2))


@pytest.fixture(scope="module")
def endpoint() -> Iterator[EmulatorEndpoint]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield EmulatorEndpoint(url=f"http://{host}:{port}", region=REGION)
    finally:
        server.stop()
        if server._server is not None:  # stop() leaves the listening socket open
            server._server.server_close()


def admin_client(endpoint: EmulatorEndpoint, service: str) -> Any:
    return boto3.session.Session().client(
        service,
        region_name=endpoint.region,
        endpoint_url=endpoint.url,
        aws_access_key_id=endpoint.access_key_id,
        aws_secret_access_key=endpoint.secret_access_key,
    )


@dataclass(frozen=True)
class Queue:
    url: str
    arn: str
    name: str


@dataclass(frozen=True)
class QueuePair:
    main: Queue
    dlq: Queue | None


def create_queue(
    sqs: Any,
    *,
    visibility: int = 30,
    max_receive: int | None = None,
    fifo: bool = False,
) -> QueuePair:
    suffix = ".fifo" if fifo else ""
    base = f"q-{uuid.uuid4().hex[:12]}"
    fifo_attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}

    def make(name: str, extra: dict[str, str]) -> Queue:
        url = sqs.create_queue(QueueName=name, Attributes={**fifo_attributes, **extra})["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return Queue(url, arn, name)

    dlq = make(f"{base}-dlq{suffix}", {}) if max_receive else None
    attributes = {"VisibilityTimeout": str(visibility)}
    if dlq is not None:
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": max_receive}
        )
    return QueuePair(make(f"{base}{suffix}", attributes), dlq)


def function(
    name: str,
    handler: str,
    *,
    env: dict[str, str] | None = None,
    timeout: int = 5,
    memory: int = 256,
    reserved: int | None = None,
    account: str = ACCOUNT,
) -> FunctionSpec:
    return FunctionSpec(
        name=name,
        handler=f"localrt_handlers.{handler}" if "." not in handler else handler,
        env=env or {},
        role_arn=f"arn:aws:iam::{account}:role/{name}-role",
        timeout_seconds=timeout,
        memory_mb=memory,
        reserved_concurrency=reserved,
        code_paths=(HANDLERS,),
    )


def mapping(
    fn: str,
    queue: Queue,
    *,
    batch_size: int = 10,
    concurrency: int | None = None,
    partial: bool = True,
    window: int = 0,
) -> EventSourceSpec:
    return EventSourceSpec(
        function_name=fn,
        queue_url=queue.url,
        queue_arn=queue.arn,
        batch_size=batch_size,
        maximum_concurrency=concurrency,
        report_batch_item_failures=partial,
        maximum_batching_window_seconds=window,
    )


def read_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for(condition: Callable[[], bool], timeout: float = 15.0, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s")


RuntimeFactory = Callable[..., LocalRuntime]


@pytest.fixture
def make_runtime(endpoint: EmulatorEndpoint, tmp_path: Path) -> Iterator[RuntimeFactory]:
    started: list[LocalRuntime] = []

    def make(
        functions: list[FunctionSpec],
        event_sources: list[EventSourceSpec] | None = None,
        routes: list[HttpRouteSpec] | None = None,
        tuning: RuntimeTuning = FAST,
        start: bool = True,
    ) -> LocalRuntime:
        runtime = LocalRuntime(
            endpoint,
            functions,
            event_sources or [],
            routes or [],
            tmp_path / "logs",
            tuning=tuning,
        )
        if start:
            runtime.start()
            started.append(runtime)
        return runtime

    try:
        yield make
    finally:
        for runtime in started:
            runtime.stop(drain=False)
