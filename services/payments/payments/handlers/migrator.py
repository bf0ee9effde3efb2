"""Lambda entry point of the schema migrator, invoked by the deploy (Pulumi's
`aws.lambda_.Invocation`) whenever the migrations or the functions' code change.

As the master user (an IAM token through RDS Proxy; the proxy holds the master secret):

1. create the service's login role, which can authenticate with IAM only (`rds_iam`), and its
   database, closed to PUBLIC;
2. in that database, apply `services/payments/migrations` (payments.db.migrate), then grant
   the service role data access (SELECT/INSERT/UPDATE/DELETE, sequences) and nothing else: no
   ownership, no DDL, so a compromised function cannot alter the schema or its triggers;
3. with PAYMENTS_PROCESSOR=fake only (never in prod), create the fake processor's journal,
   which stands in for an external system and so is not a migration, and let the service
   role read and append to it (payments.processor.fake).

Idempotent: a second run finds everything in place and applies nothing. The event carries the
SHA-256 the deploy computed over the migrations; a package whose migrations differ is refused,
so the deploy never reports success for migrations it did not run. PCI DSS 7.2.1, 8.3.1.

Environment: PAYMENTS_DB_HOST, PAYMENTS_DB_PORT, PAYMENTS_DB_NAME (the service's database),
PAYMENTS_DB_USER (the master user), PAYMENTS_DB_APP_USER (the service's user),
PAYMENTS_DB_IAM_AUTH, PAYMENTS_DB_SSLMODE, PAYMENTS_DB_SSLROOTCERT, PAYMENTS_ENV,
PAYMENTS_PROCESSOR (the service's processor, as the worker gets it), AWS_REGION;
PAYMENTS_DB_PASSWORD only with PAYMENTS_ENV=local (a local PostgreSQL has no IAM).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_VERIFYING = frozenset({"verify-ca", "verify-full"})
MAINTENANCE_DATABASE = "postgres"
PROCESSORS = ("fake", "stripe")  # as payments.config accepts them


class MigratorError(Exception):
    """A setting or a precondition is wrong; the message names it (never a credential)."""


@dataclass(frozen=True)
class MigratorSettings:
    env: str
    host: str
    port: int
    database: str
    admin_user: str
    app_user: str
    iam_auth: bool
    sslmode: str
    sslrootcert: str | None
    password: str | None
    region: str
    processor: str


def load_settings(environ: Mapping[str, str]) -> MigratorSettings:
    def need(name: str) -> str:
        value = environ.get(name, "")
        if not value:
            raise MigratorError(f"missing environment variable {name}")
        return value

    settings = MigratorSettings(
        env=need("PAYMENTS_ENV"),
        host=need("PAYMENTS_DB_HOST"),
        port=_port(environ.get("PAYMENTS_DB_PORT") or "5432"),
        database=_identifier("PAYMENTS_DB_NAME", need("PAYMENTS_DB_NAME")),
        admin_user=need("PAYMENTS_DB_USER"),
        app_user=_identifier("PAYMENTS_DB_APP_USER", need("PAYMENTS_DB_APP_USER")),
        iam_auth=environ.get("PAYMENTS_DB_IAM_AUTH", "false").lower() == "true",
        sslmode=environ.get("PAYMENTS_DB_SSLMODE") or "verify-full",
        sslrootcert=environ.get("PAYMENTS_DB_SSLROOTCERT") or None,
        password=environ.get("PAYMENTS_DB_PASSWORD") or None,
        region=need("AWS_REGION"),
        processor=need("PAYMENTS_PROCESSOR"),
    )
    if settings.processor not in PROCESSORS:
        raise MigratorError("PAYMENTS_PROCESSOR must be " + " or ".join(PROCESSORS))
    if settings.processor == "fake" and settings.env == "prod":
        raise MigratorError("PAYMENTS_PROCESSOR=fake is refused when PAYMENTS_ENV=prod")
    if settings.env != "local":
        if not settings.iam_auth or settings.password is not None:
            raise MigratorError("outside PAYMENTS_ENV=local the migrator connects with IAM only")
        if settings.sslmode not in _VERIFYING:
            raise MigratorError("PAYMENTS_DB_SSLMODE must be verify-full or verify-ca")
    if settings.sslmode in _VERIFYING and not settings.sslrootcert:
        raise MigratorError(f"PAYMENTS_DB_SSLROOTCERT is required with {settings.sslmode}")
    if settings.app_user == settings.admin_user:
        raise MigratorError("PAYMENTS_DB_APP_USER must differ from the master user")
    return settings


def _identifier(variable: str, value: str) -> str:
    if not _IDENTIFIER.match(value):
        raise MigratorError(f"{variable} must be a lower-case PostgreSQL identifier")
    return value


def _port(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise MigratorError("PAYMENTS_DB_PORT must be a port number")
    return int(value)


def migrations_digest(directory: Path) -> str:
    """The deploy's hash of the migrations: each file's name and content SHA-256, in order."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.sql"), key=lambda p: p.name):
        name = f"migrations/{path.name}"
        digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _connect(settings: MigratorSettings, database: str) -> Any:
    import psycopg

    params: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "dbname": database,
        "user": settings.admin_user,
        "sslmode": settings.sslmode,
        "connect_timeout": 10,
        "application_name": "payments-migrator",
        "autocommit": True,
    }
    if settings.sslrootcert:
        params["sslrootcert"] = settings.sslrootcert
    if settings.iam_auth:
        from payments import aws

        params["password"] = aws.client("rds", settings.region).generate_db_auth_token(
            DBHostname=settings.host,
            Port=settings.port,
            DBUsername=settings.admin_user,
            Region=settings.region,
        )
    elif settings.password is not None:
        params["password"] = settings.password
    return psycopg.connect(**params)


def ensure_role_and_database(conn: Any, settings: MigratorSettings) -> dict[str, bool]:
    """Create the service's role and database if missing; lock the database to that role."""
    from psycopg import sql

    user, database = sql.Identifier(settings.app_user), sql.Identifier(settings.database)
    created = {"role": False, "database": False}
    if (
        conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (settings.app_user,)).fetchone()
        is None
    ):
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(user)
        )
        created["role"] = True
    # Aurora's rds_iam makes the role authenticate with IAM tokens only (no password exists).
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'").fetchone() is not None:
        conn.execute(sql.SQL("GRANT rds_iam TO {}").format(user))
    exists = conn.execute(
        "SELECT 1 FROM pg_database WHERE datname = %s", (settings.database,)
    ).fetchone()
    if exists is None:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(database))
        created["database"] = True
    conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))
    conn.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(database, user))
    return created


def grant_data_access(conn: Any, app_user: str) -> None:
    from psycopg import sql

    user = sql.Identifier(app_user)
    for statement in (
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        "GRANT USAGE ON SCHEMA public TO {}",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}",
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}",
    ):
        conn.execute(sql.SQL(statement).format(user))


def run(settings: MigratorSettings, expected_digest: str | None) -> dict[str, object]:
    from payments.db.migrate import MIGRATIONS_DIR, apply_migrations

    packaged = migrations_digest(MIGRATIONS_DIR)
    if expected_digest is not None and expected_digest != packaged:
        raise MigratorError(
            f"this package's migrations hash to {packaged[:12]}..., the deploy expected"
            f" {expected_digest[:12]}...: the function code is not the code being deployed"
        )
    with _connect(settings, MAINTENANCE_DATABASE) as conn:
        created = ensure_role_and_database(conn, settings)
    with _connect(settings, settings.database) as conn:
        applied = apply_migrations(conn, MIGRATIONS_DIR)
        grant_data_access(conn, settings.app_user)
        if settings.processor == "fake":
            ensure_fake_processor_journal(conn, settings.app_user)
    return {
        "database": settings.database,
        "user": settings.app_user,
        "created": created,
        "applied": applied,
        "fakeProcessorJournal": settings.processor == "fake",
        "migrationsSha256": packaged,
    }


def ensure_fake_processor_journal(conn: Any, app_user: str) -> None:
    """The fake processor's journal, owned by the master user (the service role has no DDL)."""
    from payments.processor.fake import ensure_journal, grant_journal

    ensure_journal(conn)
    grant_journal(conn, app_user)


def handler(event: Any, context: Any) -> dict[str, object]:
    from payments.logging import configure_logging, get_logger

    configure_logging()
    log = get_logger("migrator")
    settings = load_settings(os.environ)
    expected = event.get("migrationsSha256") if isinstance(event, Mapping) else None
    if expected is not None and not isinstance(expected, str):
        raise MigratorError("event field migrationsSha256 must be a string")
    result = run(settings, expected)
    log.info("migrations_applied", **result)
    return result
