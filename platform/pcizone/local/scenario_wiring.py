"""Where the demo scenario finds the payments path in a running local runtime.

Everything is read from what was deployed: the `POST /payments` route names the API function;
its `PAYMENTS_QUEUE_URL` names the queue; the mapping on that queue names the worker; the
queue's redrive policy names the dead-letter queue; the mapping on it names the auditor; the
worker's `PAYMENTS_DB_*` variables name the database (local deployments only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pcizone.local.runtime.errors import LocalRuntimeError
from pcizone.local.runtime.runtime import LocalRuntime

PAYMENTS_ROUTE = "POST /payments"


class ScenarioError(LocalRuntimeError):
    """The deployment lacks something the scenario needs; the message names it."""


@dataclass(frozen=True)
class Wiring:
    api_function: str
    worker_function: str
    auditor_function: str
    queue_url: str
    dlq_url: str
    visibility_timeout_seconds: int
    max_receive_count: int
    conninfo: dict[str, Any]

    def check_poison_fits(self, failed_visibility: int | None, timeout_seconds: float) -> None:
        """The poison message is received maxReceiveCount times, each after the visibility
        timeout: refuse a wait that cannot end in time rather than report a false failure."""
        per_receive = (
            self.visibility_timeout_seconds if failed_visibility is None else failed_visibility
        )
        needed = per_receive * self.max_receive_count
        if needed >= timeout_seconds:
            raise ScenarioError(
                f"the poison message needs about {needed} s to reach the dead-letter queue"
                f" ({per_receive} s between receives x maxReceiveCount {self.max_receive_count}),"
                f" not less than the scenario's {timeout_seconds:g} s; start the runtime with"
                " RuntimeTuning(failed_visibility_seconds=1) or allow more time"
            )


def discover(runtime: LocalRuntime, dsn: str | None = None) -> Wiring:
    route = next((r for r in runtime.routes if r.route_key == PAYMENTS_ROUTE), None)
    if route is None or runtime.api_url is None:
        raise ScenarioError(f"the local runtime serves no {PAYMENTS_ROUTE} route")
    api = runtime.functions[route.function_name]
    queue_url = api.env.get("PAYMENTS_QUEUE_URL", "")
    queue_name = queue_url.rstrip("/").rsplit("/", 1)[-1]
    worker_source = next((s for s in runtime.event_sources if s.queue_name == queue_name), None)
    if not queue_url or worker_source is None:
        raise ScenarioError(
            f"function {api.name}: PAYMENTS_QUEUE_URL names no queue the runtime polls"
        )
    sqs = runtime.role(worker_source.function_name).client("sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=worker_source.queue_url, AttributeNames=["RedrivePolicy", "VisibilityTimeout"]
    )["Attributes"]
    redrive = json.loads(attributes.get("RedrivePolicy") or "{}")
    dlq_arn, max_receives = (
        redrive.get("deadLetterTargetArn"),
        int(redrive.get("maxReceiveCount", 0)),
    )
    auditor_source = next((s for s in runtime.event_sources if s.queue_arn == dlq_arn), None)
    if not dlq_arn or not max_receives or auditor_source is None:
        raise ScenarioError(
            f"queue {queue_name}: no redrive policy to a dead-letter queue the runtime polls"
        )
    worker = runtime.functions[worker_source.function_name]
    return Wiring(
        api_function=api.name,
        worker_function=worker.name,
        auditor_function=auditor_source.function_name,
        queue_url=worker_source.queue_url,
        dlq_url=auditor_source.queue_url,
        visibility_timeout_seconds=int(attributes.get("VisibilityTimeout", "30")),
        max_receive_count=max_receives,
        conninfo={"conninfo": dsn} if dsn else _conninfo(worker.name, worker.env),
    )


def _conninfo(function_name: str, env: dict[str, str]) -> dict[str, Any]:
    if env.get("PAYMENTS_ENV") != "local":
        raise ScenarioError(
            f"function {function_name}: the scenario reads the database only of a local"
            " deployment (PAYMENTS_ENV=local)"
        )
    missing = [
        name
        for name in (
            "PAYMENTS_DB_HOST",
            "PAYMENTS_DB_NAME",
            "PAYMENTS_DB_USER",
            "PAYMENTS_DB_PASSWORD",
        )
        if not env.get(name)
    ]
    if missing:
        raise ScenarioError(f"function {function_name}: missing {', '.join(missing)}")
    return {
        "host": env["PAYMENTS_DB_HOST"],
        "port": int(env.get("PAYMENTS_DB_PORT") or 5432),
        "dbname": env["PAYMENTS_DB_NAME"],
        "user": env["PAYMENTS_DB_USER"],
        "password": env["PAYMENTS_DB_PASSWORD"],
        "sslmode": env.get("PAYMENTS_DB_SSLMODE") or "prefer",
    }
