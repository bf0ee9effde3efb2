"""The in-process payments apps the bad-input sweep drives, on the session's PostgreSQL.

The sweep's size: `PCIZONE_FUZZ_EXAMPLES` examples in total, 10,000 by default (the issue's
floor, so `make test` runs all of it), split as `SWEEP_SHARES` says:

    API events (headers, bodies, encodings, sizes)  50%  5,000  test_reliability_fuzz_api
    events of any shape                             10%  1,000  test_reliability_fuzz_api
    SQS batches to the worker                       20%  2,000  test_reliability_fuzz_sqs
    SQS batches to the DLQ auditor                  20%  2,000  test_reliability_fuzz_sqs

Every example also checks the log lines it caused (`check_new_logs`): no card number and no
exception, not even a handled one. A failing sweep prints the falsifying example (the exact input), a `@reproduce_failure` blob
and the seed to rerun it with (`--hypothesis-seed=...`).
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Generator, Iterator
from dataclasses import dataclass

import psycopg
import pytest
from hypothesis import settings
from payments.app import App
from payments.config import load_settings
from payments.db.migrate import apply_migrations
from payments.logging import configure_logging
from payments.pan import find_pans
from payments.processor.fake import ensure_journal
from pcizone.local.postgres import PostgresServer

DATABASE = USER = "payments_fuzz"
PASSWORD = secrets.token_hex(8)
FUZZ_EXAMPLES = int(os.environ.get("PCIZONE_FUZZ_EXAMPLES", "10000"))
SWEEP_SHARES = {"api_events": 0.5, "api_shapes": 0.1, "worker": 0.2, "auditor": 0.2}


def sweep(name: str) -> settings:
    """Hypothesis settings for one sweep: its share of the examples, no deadline (a database
    round trip is sometimes slow on a busy machine), no example database (the sweep is
    random on purpose; a found input becomes a test of its own)."""
    return settings(
        max_examples=max(1, round(FUZZ_EXAMPLES * SWEEP_SHARES[name])),
        deadline=None,
        database=None,
        print_blob=True,
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Name the seed of a failed sweep: Hypothesis prints it only for flaky failures."""
    report = yield
    seed = getattr(getattr(item, "obj", None), "_hypothesis_internal_use_generated_seed", None)
    if report.failed and call.when == "call" and seed is not None:
        report.sections.append(("hypothesis seed", f"rerun with --hypothesis-seed={seed}"))
    return report


class Utf8Stdout(io.StringIO):
    """Captures logs and refuses what the Lambda runtime's UTF-8 stdout would refuse."""

    def __init__(self) -> None:
        super().__init__()
        self._unread: list[str] = []

    def write(self, text: str) -> int:
        text.encode("utf-8")  # a lone surrogate raises here as it would on the real stream
        self._unread.append(text)
        return super().write(text)

    def take(self) -> str:
        """What was written since the last call (cheap: getvalue() copies everything)."""
        text, self._unread = "".join(self._unread), []
        return text


def check_new_logs(apps: Apps) -> None:
    """The log lines of the last example: no card number, no exception (even one handled)."""
    text = apps.log.take()
    assert find_pans(text) == [], "card data logged"
    assert '"exception":' not in text, f"an exception was logged: {text[-3000:]}"


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
    log: Utf8Stdout


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
    stream = Utf8Stdout()
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
