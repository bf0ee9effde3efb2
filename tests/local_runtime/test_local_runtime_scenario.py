"""The demo scenario on the real payments handlers, a real PostgreSQL and the emulator."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from payments.db.migrate import apply_migrations
from pcizone.local.emulator import EmulatorEndpoint
from pcizone.local.postgres import PostgresServer
from pcizone.local.runtime import (
    EventSourceSpec,
    FunctionSpec,
    HttpRouteSpec,
    LocalRuntime,
    RuntimeTuning,
)
from pcizone.local.scenario import ScenarioError, run_scenario

from .conftest import ACCOUNT, QueuePair, admin_client, create_queue

pytestmark = pytest.mark.postgres

DATABASE, USER = "payments_localrt", "payments_localrt"
PASSWORD = secrets.token_hex(8)
# Failed messages come back after 0 s, so the poison message reaches the DLQ in moments.
DEMO_TUNING = RuntimeTuning(poll_wait_seconds=1, failed_visibility_seconds=0)


@pytest.fixture(scope="module")
def database(postgres_server: PostgresServer) -> dict[str, str]:
    postgres_server.create_role_and_database(DATABASE, USER, PASSWORD)
    with psycopg.connect(postgres_server.dsn(DATABASE, USER, PASSWORD), autocommit=True) as conn:
        apply_migrations(conn)
    return {
        "PAYMENTS_ENV": "local",
        "PAYMENTS_DB_HOST": "127.0.0.1",
        "PAYMENTS_DB_PORT": str(postgres_server.port),
        "PAYMENTS_DB_NAME": DATABASE,
        "PAYMENTS_DB_USER": USER,
        "PAYMENTS_DB_PASSWORD": PASSWORD,
        "PAYMENTS_DB_SSLMODE": "disable",
        "PAYMENTS_MAX_AMOUNT_MINOR": "1000000",
        "PAYMENTS_PROCESSOR": "fake",
    }


@pytest.fixture(scope="module")
def queues(endpoint: EmulatorEndpoint) -> QueuePair:
    return create_queue(admin_client(endpoint, "sqs"), visibility=30, max_receive=3)


def payments_runtime(
    endpoint: EmulatorEndpoint,
    database: dict[str, str],
    queues: QueuePair,
    log_dir: Path,
    tuning: RuntimeTuning = DEMO_TUNING,
    worker_env: dict[str, str] | None = None,
) -> LocalRuntime:
    assert queues.dlq is not None

    def spec(name: str, handler: str, extra: dict[str, str] | None = None) -> FunctionSpec:
        return FunctionSpec(
            name=name,
            handler=f"payments.handlers.{handler}.handler",
            env={**database, **(extra or {})},
            role_arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
            timeout_seconds=10,
            memory_mb=256,
            reserved_concurrency=None,
        )

    functions = [
        spec("payments-api", "api", {"PAYMENTS_QUEUE_URL": queues.main.url}),
        spec("payments-worker", "worker", worker_env),
        spec("payments-dlq-auditor", "dlq_auditor"),
    ]
    sources = [
        EventSourceSpec("payments-worker", queues.main.url, queues.main.arn, 10, 2, True),
        EventSourceSpec("payments-dlq-auditor", queues.dlq.url, queues.dlq.arn, 10, 2, True),
    ]
    routes = [
        HttpRouteSpec("POST /payments", "payments-api"),
        HttpRouteSpec("GET /payments/{id}", "payments-api"),
    ]
    return LocalRuntime(endpoint, functions, sources, routes, log_dir, tuning=tuning)


@pytest.fixture
def runtime(
    endpoint: EmulatorEndpoint, database: dict[str, str], queues: QueuePair, tmp_path: Path
) -> Iterator[LocalRuntime]:
    with payments_runtime(endpoint, database, queues, tmp_path / "logs") as running:
        yield running


def test_the_demo_holds_every_expectation_and_can_run_again(runtime: LocalRuntime) -> None:
    first = run_scenario(runtime, payments=4, timeout_seconds=60)
    assert [(e.name, e.passed) for e in first.expectations] == [
        ("payments accepted", True),
        ("duplicate request replayed", True),
        ("card number refused", True),
        ("every payment settled", True),
        ("charged once, ledger balanced", True),
        ("poison message dead-lettered and audited", True),
        ("no card number in the logs", True),
    ], [e.detail for e in first.expectations]
    assert first.ok
    assert len(first.journeys) == 4
    for journey in first.journeys:
        assert journey.status == "settled"
        assert [s.stage for s in journey.steps] == ["api", "queue", "worker", "ledger"]
        assert [s.at for s in journey.steps] == sorted(s.at for s in journey.steps)
        assert journey.latency_ms is not None and journey.latency_ms > 0
    (letter,) = first.dead_letters
    assert letter.reason == "malformed message body"
    assert letter.receive_count >= 3
    assert any("IAM authorization" in note for note in first.notes)
    assert "EUR debits 4006 = credits 4006" in first.expectations[4].detail
    report = first.to_dict()
    assert report["ok"] is True
    assert json.loads(json.dumps(report)) == report
    again = run_scenario(runtime, payments=2, timeout_seconds=60)
    assert again.ok, [e.detail for e in again.expectations if not e.passed]
    assert again.run_id != first.run_id
    assert {j.payment_id for j in again.journeys}.isdisjoint({j.payment_id for j in first.journeys})


def test_the_api_answers_get_and_refuses_card_numbers_over_http(runtime: LocalRuntime) -> None:
    import http.client
    from urllib.parse import urlsplit

    assert runtime.api_url is not None
    parts = urlsplit(runtime.api_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    body = {
        "amount_minor": 5,
        "currency": "EUR",
        "merchant_reference": "m-get",
        "customer_reference": "c",
        "payment_method": "pm_card_visa",
    }
    connection.request(
        "POST",
        "/payments",
        json.dumps(body),
        {"content-type": "application/json", "idempotency-key": secrets.token_hex(8)},
    )
    created = connection.getresponse()
    document: dict[str, Any] = json.loads(created.read())
    assert created.status == 201
    connection.request("GET", f"/payments/{document['id']}")
    fetched = connection.getresponse()
    assert fetched.status == 200
    assert json.loads(fetched.read())["id"] == document["id"]
    connection.request("GET", "/payments/4111111111111111")
    refused = connection.getresponse()
    assert refused.status == 400
    assert b"4111111111111111" not in refused.read()
    connection.close()


def test_the_scenario_refuses_a_poison_wait_longer_than_its_timeout(
    endpoint: EmulatorEndpoint, database: dict[str, str], queues: QueuePair, tmp_path: Path
) -> None:
    aws_semantics = RuntimeTuning(poll_wait_seconds=1)  # 30 s visibility x 3 receives
    with (
        payments_runtime(endpoint, database, queues, tmp_path / "logs", aws_semantics) as runtime,
        pytest.raises(ScenarioError, match=r"about 90 s to reach the dead-letter queue"),
    ):
        run_scenario(runtime, payments=1, timeout_seconds=60)


def test_payments_that_cannot_settle_are_reported_once_dead_lettered(
    endpoint: EmulatorEndpoint, database: dict[str, str], tmp_path: Path
) -> None:
    queues = create_queue(admin_client(endpoint, "sqs"), visibility=30, max_receive=2)
    failing = {"PAYMENTS_FAKE_FAULTS": "seed=1,error=1"}  # every charge: a processor 5xx
    with payments_runtime(
        endpoint, database, queues, tmp_path / "logs", worker_env=failing
    ) as runtime:
        result = run_scenario(runtime, payments=2, timeout_seconds=60)
    assert not result.ok
    verdicts = {e.name: (e.passed, e.detail) for e in result.expectations}
    assert verdicts["every payment settled"] == (False, "2 pending (2 dead-lettered)")
    assert verdicts["charged once, ledger balanced"] == (True, "nothing posted")
    assert verdicts["poison message dead-lettered and audited"][0] is True
    assert result.duration_seconds < 30  # it stopped waiting once nothing could settle
    for journey in result.journeys:
        assert journey.status == "pending"
        assert [s.stage for s in journey.steps][0:2] == ["api", "queue"]
        assert journey.steps[-1].stage == "dlq"
        assert journey.steps[-1].detail.startswith(
            "dead-lettered and audited: payment still pending"
        )
