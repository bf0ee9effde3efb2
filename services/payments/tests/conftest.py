"""Fixtures for the payments tests: a fresh migrated database per test, moto SQS, log capture.

One migrated database on the session's PostgreSQL server (root conftest), emptied before each
test. SQS is a moto server on loopback per test module; every test gets queues of its own.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import psycopg
import pytest
from moto.server import ThreadedMotoServer
from payments import aws
from payments.app import App
from payments.config import Settings, load_settings
from payments.db.migrate import apply_migrations
from payments.logging import configure_logging
from payments.pan import find_pans
from pcizone.local.postgres import PostgresServer

APP_USER = "payments_app"
APP_PASSWORD = "local-test-password"  # a throwaway role on a loopback-only test server
DATABASE = "payments_test"
REGION = "us-east-1"
_numbers = itertools.count()


@dataclass(frozen=True)
class PaymentsDatabase:
    name: str
    dsn: str
    server: PostgresServer

    def env(self, **overrides: str) -> dict[str, str]:
        """PAYMENTS_* variables for this database, as the local cloud would set them."""
        values = {
            "PAYMENTS_ENV": "local",
            "PAYMENTS_DB_HOST": "127.0.0.1",
            "PAYMENTS_DB_PORT": str(self.server.port),
            "PAYMENTS_DB_NAME": self.name,
            "PAYMENTS_DB_USER": APP_USER,
            "PAYMENTS_DB_PASSWORD": APP_PASSWORD,
            "PAYMENTS_DB_SSLMODE": "disable",
            "PAYMENTS_MAX_AMOUNT_MINOR": "1000000",
            "PAYMENTS_PROCESSOR": "fake",
            "AWS_REGION": REGION,
        }
        values.update(overrides)
        return values

    def settings(self, **overrides: str) -> Settings:
        return load_settings(self.env(**overrides))


@pytest.fixture(scope="session")
def payments_database(postgres_server: PostgresServer) -> str:
    """The migrated database the payments tests share, one test at a time."""
    postgres_server.create_role_and_database(DATABASE, APP_USER, APP_PASSWORD)
    with psycopg.connect(
        postgres_server.dsn(DATABASE, APP_USER, APP_PASSWORD), autocommit=True
    ) as c:
        apply_migrations(c)
    return DATABASE


@pytest.fixture
def db(postgres_server: PostgresServer, payments_database: str) -> PaymentsDatabase:
    """The migrated database, emptied for this test.

    Emptying (~10 ms) replaces cloning a database per test (50 ms idle, 300+ ms on a busy
    machine). The superuser's replica mode lets TRUNCATE pass the ledger's append-only
    triggers; nothing else ever runs with it.
    """
    with postgres_server.connect(payments_database) as admin:
        admin.execute("SET session_replication_role = replica")
        admin.execute("SET lock_timeout = '5s'")  # a test that leaked a transaction fails here
        tables = admin.execute(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"
            " WHERE schemaname IN ('public', 'fake_processor') AND tablename <> 'schema_migrations'"
        ).fetchall()
        admin.execute(
            ("TRUNCATE " + ", ".join(t[0] for t in tables) + " RESTART IDENTITY").encode()
        )
    return PaymentsDatabase(
        payments_database,
        postgres_server.dsn(payments_database, APP_USER, APP_PASSWORD),
        postgres_server,
    )


@pytest.fixture
def conn(db: PaymentsDatabase) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection to the test's database, as the application role."""
    with psycopg.connect(db.dsn, autocommit=True) as connection:
        yield connection


@pytest.fixture(scope="session", autouse=True)
def _aws_test_credentials() -> Iterator[None]:
    """Fake credentials so boto3 never looks for real ones (and never finds any)."""
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ["AWS_ACCESS_KEY_ID"] = "testing"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A moto server on loopback for this module (never mixed with mock_aws: FACTS.md)."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        if server._server is not None:  # stop() leaves the listening socket open
            server._server.server_close()
        aws.forget_clients()


@pytest.fixture(scope="module")
def sqs(moto_endpoint: str) -> Any:
    """One client per module: creating a boto3 client costs ~50 ms."""
    return boto3.session.Session().client("sqs", region_name=REGION, endpoint_url=moto_endpoint)


@dataclass(frozen=True)
class Queues:
    url: str
    dlq_url: str
    max_receive_count: int


@pytest.fixture
def queues(sqs: Any) -> Queues:
    """A main queue and its DLQ (maxReceiveCount 3), named for this test only."""
    suffix = f"{os.getpid()}-{next(_numbers)}"
    dlq_url = sqs.create_queue(QueueName=f"payments-dlq-{suffix}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
    url = sqs.create_queue(QueueName=f"payments-{suffix}", Attributes={"RedrivePolicy": policy})[
        "QueueUrl"
    ]
    return Queues(url, dlq_url, 3)


class LogCapture:
    """Log lines written since the fixture started (or since the last `take`)."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self._taken: list[str] = []

    def take(self) -> str:
        """Lines written since the last take, removed from the buffer (cheap in loops)."""
        chunk = self.stream.getvalue()
        self.stream.seek(0)
        self.stream.truncate()
        self._taken.append(chunk)
        return chunk

    @property
    def text(self) -> str:
        return "".join(self._taken) + self.stream.getvalue()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def named(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.events() if e.get("event") == event]

    def assert_no_card_data(self) -> None:
        assert find_pans(self.text) == [], "card data reached the logs"


@pytest.fixture(autouse=True)
def logs() -> Iterator[LogCapture]:
    """Everything logged during the test, through the service's own (masking) configuration,
    as in a Lambda; the root logger and structlog are put back afterwards."""
    import logging

    import structlog

    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    capture = LogCapture()
    configure_logging(capture.stream, level="DEBUG")
    yield capture
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    structlog.reset_defaults()


@pytest.fixture
def make_app(db: PaymentsDatabase, sqs: Any, queues: Queues) -> Iterator[Callable[..., App]]:
    """Apps wired to the test database and queues; each one is a separate 'container'."""
    made: list[App] = []

    def build(component: str = "api", **kwargs: Any) -> App:
        overrides = kwargs.pop("env", {})
        settings = db.settings(PAYMENTS_QUEUE_URL=queues.url, **overrides)
        kwargs.setdefault("sqs", sqs)
        app = App(settings, component, **kwargs)
        made.append(app)
        return app

    yield build
    for app in made:
        app.close()


# -- helpers, handed to tests through the `kit` fixture (importlib mode: no conftest imports)


class Kit:
    """Event builders and drivers shared by the payments tests."""

    @staticmethod
    def http_event(
        method: str,
        path: str,
        body: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        *,
        query: str = "",
        base64_body: bool = False,
    ) -> dict[str, Any]:
        """An API Gateway HTTP API (v2) event."""
        raw: str | None
        if isinstance(body, bytes) or base64_body:
            data = body.encode() if isinstance(body, str) else (body or b"")
            raw = base64.b64encode(data).decode()
        else:
            raw = body
        return {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": query,
            "headers": {"content-type": "application/json", **(headers or {})},
            "requestContext": {
                "requestId": f"req-{next(_numbers)}",
                "http": {"method": method, "path": path, "protocol": "HTTP/1.1"},
            },
            "body": raw,
            "isBase64Encoded": isinstance(body, bytes) or base64_body,
        }

    @staticmethod
    def payment_body(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "amount_minor": 1250,
            "currency": "EUR",
            "merchant_reference": "order-A17",
            "customer_reference": "cust-9",
            "payment_method": "pm_card_visa",
        }
        body.update(overrides)
        return body

    @staticmethod
    def post_payment(app: App, key: str, **overrides: Any) -> dict[str, Any]:
        from payments import api

        body = json.dumps(Kit.payment_body(**overrides))
        event = Kit.http_event("POST", "/payments", body, {"idempotency-key": key})
        return api.handle(app, event)

    @staticmethod
    def sqs_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
        """Messages from receive_message as the Lambda SQS event source hands them over."""
        return {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": {},
                    "md5OfBody": m.get("MD5OfBody", ""),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:payments",
                    "awsRegion": REGION,
                }
                for m in messages
            ]
        }

    @staticmethod
    def drive_queue(
        sqs: Any,
        queue_url: str,
        handler: Callable[[dict[str, Any]], dict[str, Any]],
        *,
        batch_size: int = 10,
        max_batches: int = 100,
    ) -> list[dict[str, Any]]:
        """Lambda's SQS event source in miniature: receive, invoke, delete what succeeded, and make
        failed records visible again at once (as if their visibility timeout had passed).
        Returns the batch responses; stops when the queue is empty."""
        responses = []
        for _ in range(max_batches):
            messages = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=batch_size,
                VisibilityTimeout=30,
                MessageSystemAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                return responses
            response = handler(Kit.sqs_event(messages))
            responses.append(response)
            failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
            for message in messages:
                if message["MessageId"] in failed:
                    sqs.change_message_visibility(
                        QueueUrl=queue_url,
                        ReceiptHandle=message["ReceiptHandle"],
                        VisibilityTimeout=0,
                    )
                else:
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        raise AssertionError(f"queue not drained after {max_batches} batches")

    @staticmethod
    def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            time.sleep(0.01)


@pytest.fixture
def kit() -> type[Kit]:
    return Kit
