"""The in-process payments apps the bad-input sweep drives, on the session's PostgreSQL.

`PCIZONE_FUZZ_EXAMPLES` sets the examples per sweep test (the bench/nightly path sets it to
reach >= 10,000 in total); `make test` runs the default.
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from payments.app import App
from payments.config import load_settings
from payments.db.migrate import apply_migrations
from payments.logging import configure_logging
from payments.processor.fake import ensure_journal
from pcizone.local.postgres import PostgresServer

DATABASE = USER = "payments_fuzz"
PASSWORD = secrets.token_hex(8)
FUZZ_EXAMPLES = int(os.environ.get("PCIZONE_FUZZ_EXAMPLES", "300"))


class ListSender:
    """Collects queue messages instead of sending them: the sweep is about the handlers."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, body: str) -> str:
        self.sent.append(body)
        return f"m-{len(self.sent)}"


@dataclass
class Apps:
    api: App
    worker: App
    auditor: App
    log: io.StringIO


@pytest.fixture(scope="module")
def apps(postgres_server: PostgresServer) -> Iterator[Apps]:
    import logging

    import structlog

    postgres_server.create_role_and_database(DATABASE, USER, PASSWORD)
    with psycopg.connect(postgres_server.dsn(DATABASE, USER, PASSWORD), autocommit=True) as c:
        apply_migrations(c)
        ensure_journal(c)
    settings = load_settings(
        {
            "PAYMENTS_ENV": "local",
            "PAYMENTS_DB_HOST": "127.0.0.1",
            "PAYMENTS_DB_PORT": str(postgres_server.port),
            "PAYMENTS_DB_NAME": DATABASE,
            "PAYMENTS_DB_USER": USER,
            "PAYMENTS_DB_PASSWORD": PASSWORD,
            "PAYMENTS_DB_SSLMODE": "disable",
            "PAYMENTS_MAX_AMOUNT_MINOR": "1000000",
            "PAYMENTS_PROCESSOR": "fake",
            "PAYMENTS_QUEUE_URL": "http://127.0.0.1:1/queue/payments",
            "AWS_REGION": "eu-west-1",
        }
    )
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    configure_logging(stream, level="DEBUG")
    made = Apps(
        App(settings, "api", sender=ListSender()),
        App(settings, "worker"),
        App(settings, "dlq_auditor"),
        stream,
    )
    try:
        yield made
    finally:
        for app in (made.api, made.worker, made.auditor):
            app.close()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        structlog.reset_defaults()
