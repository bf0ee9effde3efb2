"""One PostgreSQL connection per Lambda container, re-opened when it breaks.

A container serves one invocation at a time, so one connection is enough; a pool would only
hold idle Aurora connections. The connection is in autocommit mode and every unit of work is
an explicit `with conn.transaction():` block. Outside `PAYMENTS_ENV=local` the password is an
RDS IAM token signed per connection (valid 15 minutes, only needed at connect time) and TLS
verifies the server certificate (PCI DSS 4.2.1, 8.3.2, 8.6.3).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from payments import aws
from payments.config import Settings

Connection = psycopg.Connection[Any]
# Server-side limits: a stuck statement or an abandoned transaction cannot hold locks for long.
SESSION_OPTIONS = (
    "-c statement_timeout=15000 -c idle_in_transaction_session_timeout=30000 -c timezone=UTC"
)


def iam_token(settings: Settings) -> str:
    """An RDS IAM authentication token for the configured host, port and user."""
    rds = aws.client("rds", settings.aws_region)
    token: str = rds.generate_db_auth_token(
        DBHostname=settings.db_host,
        Port=settings.db_port,
        DBUsername=settings.db_user,
        Region=settings.aws_region,
    )
    return token


def connection_params(settings: Settings) -> dict[str, Any]:
    """libpq parameters for `settings` (the IAM token, when used, is signed here)."""
    params: dict[str, Any] = {
        "host": settings.db_host,
        "port": settings.db_port,
        "dbname": settings.db_name,
        "user": settings.db_user,
        "sslmode": settings.db_sslmode,
        "connect_timeout": 5,
        "options": SESSION_OPTIONS,
    }
    if settings.db_sslrootcert:
        params["sslrootcert"] = settings.db_sslrootcert
    if settings.db_iam_auth:
        params["password"] = iam_token(settings)
    elif settings.db_password is not None:
        params["password"] = settings.db_password.get_secret_value()
    return params


def connect(settings: Settings, application_name: str) -> Connection:
    return psycopg.connect(
        **connection_params(settings), application_name=application_name, autocommit=True
    )


def connect_dsn(dsn: str, application_name: str) -> Connection:
    return psycopg.connect(
        dsn, application_name=application_name, autocommit=True, options=SESSION_OPTIONS
    )


class Database:
    """Holds the container's connection; `session()` hands it out and drops it if it broke.

    A connection idle for longer than `ping_after` seconds is checked with `SELECT 1` first:
    Aurora and NAT devices close idle connections while a Lambda container sleeps.
    """

    def __init__(self, connect: Callable[[], Connection], *, ping_after: float = 30.0) -> None:
        self._connect = connect
        self._ping_after = ping_after
        self._conn: Connection | None = None
        self._last_used = 0.0

    def get(self) -> Connection:
        conn = self._conn
        if conn is not None and (conn.closed or conn.broken):
            self.reset()
            conn = None
        if conn is not None and time.monotonic() - self._last_used > self._ping_after:
            try:
                conn.execute("SELECT 1")
            except psycopg.Error:
                self.reset()
                conn = None
        if conn is None:
            conn = self._conn = self._connect()
        self._last_used = time.monotonic()
        return conn

    @contextmanager
    def session(self) -> Iterator[Connection]:
        conn = self.get()
        try:
            yield conn
        except psycopg.OperationalError:
            self.reset()  # the next invocation reconnects
            raise
        finally:
            self._last_used = time.monotonic()
            if conn.broken:
                self.reset()

    def reset(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):  # already unusable; we discard it
                conn.close()

    close = reset
