"""The payments service as the drills see it: its API for writes, its schema for counting.

The probe is an API client: each payment is a POST /payments request handled by the service's
own handler (`payments.api.handle`), with the probe's key as the Idempotency-Key, over the
connection the probe holds. A 201 is an acknowledged commit; a 5xx (database unavailable) is
an outage and the same request is retried; a 4xx means the drill itself is broken.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, LiteralString

import psycopg
import structlog
from payments import api, settlement
from payments.app import App
from payments.config import Settings
from payments.db.connection import Database
from payments.db.migrate import apply_migrations
from payments.processor.fake import FakeProcessor
from psycopg import sql

from pcizone.dr.ledger_port import LedgerDigest
from pcizone.dr.probe import ProbePayment
from pcizone.local.postgres import PostgresServer

DATABASE = "payments"
APP_ROLE = "payments_app"
PROBE_CUSTOMER = "dr-drill-probe"
# A processor token, not a secret: the probe never holds card data.
PROBE_PAYMENT_METHOD = "tok_dr_drill_probe"

# Per table: the columns that never change once written (a copy is compared on these only,
# since a source keeps settling its payments after the copy was taken) and the ordering key.
_DIGEST: dict[str, tuple[LiteralString, LiteralString]] = {
    "payments": ("id, amount_minor, currency, merchant_reference, created_at", "created_at"),
    "payment_events": ("id, payment_id, status, event, detail, created_at", "id"),
    "charges": (
        "payment_id, processor, processor_charge_id, idempotency_key, amount_minor",
        "created_at",
    ),
    "ledger_entries": ("id, payment_id, posting, account, direction, amount_minor, currency", "id"),
}


class _ProbeConnection(Database):
    """Hands the API the probe's connection; the probe, not the app, decides when to reconnect."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        super().__init__(lambda: conn)
        self._probe_conn = conn

    def get(self) -> psycopg.Connection[Any]:
        return self._probe_conn

    def reset(self) -> None:
        return  # the probe closes its connection itself after a failure


class _NoQueue:
    """The database drills measure the database: the payment's queue message goes nowhere."""

    def send(self, body: str) -> str:
        return "drill-discarded"


def _drop(_logger: object, _method: str, _event: object) -> Any:
    raise structlog.DropEvent


class ProbeRequestRefused(RuntimeError):
    """The API refused the probe's request (4xx): the drill, not the database, is broken."""


@dataclass
class PaymentsLedger:
    password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    max_amount_minor: int = 1_000_000

    # -- setting up -----------------------------------------------------------------------------
    def prepare(self, server: PostgresServer) -> None:
        server.create_role_and_database(DATABASE, APP_ROLE, self.password)
        with psycopg.connect(self.conninfo(server), autocommit=True) as conn:
            apply_migrations(conn)

    def conninfo(self, server: PostgresServer) -> str:
        return server.dsn(DATABASE, APP_ROLE, self.password)

    # -- writing --------------------------------------------------------------------------------
    def settings(self) -> Settings:
        return Settings(
            env="local",
            db_host="dr-drill",  # unused: the probe supplies the connection
            db_name=DATABASE,
            db_user=APP_ROLE,
            db_sslmode="disable",
            max_amount_minor=self.max_amount_minor,
            processor="fake",
            aws_region="eu-west-1",
        )

    def commit(self, conn: psycopg.Connection[Any], payment: ProbePayment) -> None:
        app = App(self.settings(), "dr-probe", database=_ProbeConnection(conn), sender=_NoQueue())
        # Outages are the probe's record, not the app's: its log events would flood the console.
        app.log = structlog.wrap_logger(None, processors=[_drop])
        response = api.handle(app, probe_event(payment))
        status = int(str(response["statusCode"]))
        if status == 201:
            return
        body = json.loads(str(response["body"]))
        detail = f"payments API answered {status} {body.get('code')}"
        if status >= 500 or body.get("code") == "idempotency_key_in_use":
            raise psycopg.OperationalError(detail)  # the database is unavailable: retry
        raise ProbeRequestRefused(detail)

    def settle(self, conninfo: str, run_id: str) -> int:
        """Settle the run's pending payments through the worker's settlement code.

        Each is charged at the local fake processor and posted to the double-entry ledger, so a
        restore drill compares real charges and ledger entries, not just payment rows.
        """
        settled = 0
        processor = FakeProcessor(lambda: psycopg.connect(conninfo, autocommit=True))
        with contextlib.closing(processor), psycopg.connect(conninfo, autocommit=True) as conn:
            pending = conn.execute(
                "SELECT id FROM payments WHERE merchant_reference LIKE %s AND status = 'pending'"
                " ORDER BY created_at",
                (run_id + "-%",),
            ).fetchall()
            for (payment_id,) in pending:
                outcome = settlement.settle(conn, processor, str(payment_id))
                settled += outcome.kind == "settled"
        return settled

    # -- counting -------------------------------------------------------------------------------
    def stored(self, conn: psycopg.Connection[Any], run_id: str) -> dict[str, int]:
        rows = conn.execute(
            "SELECT merchant_reference, count(*) FROM payments"
            " WHERE merchant_reference LIKE %s GROUP BY merchant_reference",
            (run_id + "-%",),
        ).fetchall()
        return {str(key): int(n) for key, n in rows}

    def digest(
        self, conn: psycopg.Connection[Any], upto: Mapping[str, str | None] | None = None
    ) -> LedgerDigest:
        rows: dict[str, int] = {}
        checksums: dict[str, str] = {}
        marks: dict[str, str | None] = {}
        for table, (columns, key) in _DIGEST.items():
            limit = None if upto is None else upto.get(table)
            where: sql.Composable = sql.SQL("")
            if upto is not None:
                # The copy had no rows: nothing of the source counts; else up to its mark.
                where = (
                    sql.SQL(" WHERE false")
                    if limit is None
                    else sql.SQL(" WHERE {} <= {}").format(sql.Identifier(key), sql.Literal(limit))
                )
            query = sql.SQL(
                "SELECT count(*), coalesce(md5(string_agg(row({cols})::text, '|' ORDER BY {key},"
                " row({cols})::text)), ''), max({key})::text FROM {table}{where}"
            ).format(
                cols=sql.SQL(columns),
                key=sql.Identifier(key),
                table=sql.Identifier(table),
                where=where,
            )
            row = conn.execute(query).fetchone()
            assert row is not None  # an aggregate always returns a row
            rows[table], checksums[table], marks[table] = int(row[0]), str(row[1]), row[2]
        return LedgerDigest(rows, checksums, marks)


def probe_event(
    payment: ProbePayment, payment_method: str = PROBE_PAYMENT_METHOD
) -> dict[str, object]:
    """The API Gateway (HTTP API v2) event a client's POST /payments becomes."""
    body = {
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "merchant_reference": payment.key,
        "customer_reference": PROBE_CUSTOMER,
        "payment_method": payment_method,
    }
    return {
        "version": "2.0",
        "rawPath": "/payments",
        "headers": {"content-type": "application/json", "idempotency-key": payment.key},
        "requestContext": {
            "http": {"method": "POST", "path": "/payments"},
            "requestId": payment.key,
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }
