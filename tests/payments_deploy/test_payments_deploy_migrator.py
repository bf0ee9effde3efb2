"""The migrator handler on a real PostgreSQL: it creates the service's role and database,
applies the migrations once, grants data access only, and refuses code it was not sent."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterator

import psycopg
import pytest
from payments.db.migrate import MIGRATIONS_DIR, load_migrations
from payments.handlers import migrator
from payments.processor.base import ChargeRequest
from payments.processor.fake import FakeProcessor, journal_summary
from pcizone.local.postgres import PostgresServer
from psycopg import sql

pytestmark = pytest.mark.postgres
REQUEST = ChargeRequest(
    payment_id="pay_" + "a" * 26,
    amount_minor=1250,
    currency="EUR",
    payment_method="pm_card_visa",
    idempotency_key="pcz-pay_" + "a" * 26,
)


@pytest.fixture
def settings(postgres_server: PostgresServer) -> Iterator[migrator.MigratorSettings]:
    """An admin that may create roles and databases (Aurora's master user), with a password."""
    suffix = secrets.token_hex(4)
    admin, password = f"mig_admin_{suffix}", secrets.token_hex(16)
    postgres_server.create_role(admin, password)
    with postgres_server.connect() as conn:
        conn.execute(sql.SQL("ALTER ROLE {} CREATEDB CREATEROLE").format(sql.Identifier(admin)))
    environ = {
        "PAYMENTS_ENV": "local",
        "PAYMENTS_DB_HOST": "127.0.0.1",
        "PAYMENTS_DB_PORT": str(postgres_server.port),
        "PAYMENTS_DB_NAME": f"pcz_t{suffix}_payments",
        "PAYMENTS_DB_USER": admin,
        "PAYMENTS_DB_APP_USER": f"pcz_t{suffix}_app",
        "PAYMENTS_DB_PASSWORD": password,
        "PAYMENTS_DB_SSLMODE": "disable",
        "PAYMENTS_PROCESSOR": "fake",
        "AWS_REGION": "eu-west-1",
    }
    loaded = migrator.load_settings(environ)
    yield loaded
    postgres_server.drop_database(loaded.database)
    with postgres_server.connect() as conn:
        for role in (loaded.app_user, admin):
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def _privilege(server: PostgresServer, database: str, query: str, *args: str) -> bool:
    with server.connect(database) as conn:
        row = conn.execute(query, args).fetchone()
    assert row is not None
    return bool(row[0])


def test_first_run_creates_and_migrates_the_second_changes_nothing(
    settings: migrator.MigratorSettings, postgres_server: PostgresServer
) -> None:
    digest = migrator.migrations_digest(MIGRATIONS_DIR)
    first = migrator.run(settings, digest)
    names = [m.name for m in load_migrations()]
    assert first["created"] == {"role": True, "database": True}
    assert first["applied"] == names
    second = migrator.run(settings, digest)
    assert second["created"] == {"role": False, "database": False}
    assert second["applied"] == []
    db, app = settings.database, settings.app_user

    def check(query: str, *args: str) -> bool:
        return _privilege(postgres_server, db, query, *args)

    assert check("SELECT has_table_privilege(%s, 'payments', 'INSERT')", app)
    assert check("SELECT has_table_privilege(%s, 'ledger_entries', 'SELECT')", app)
    assert not check("SELECT has_schema_privilege(%s, 'public', 'CREATE')", app)
    assert not check(
        "SELECT pg_has_role(%s, (SELECT tableowner FROM pg_tables WHERE tablename = 'payments'), 'MEMBER')",
        app,
    )
    assert not check(
        "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = %s", app
    )
    # Only the service's own role may connect to its database.
    assert not check("SELECT has_database_privilege('public', %s, 'CONNECT')", db)
    assert check("SELECT has_database_privilege(%s, %s, 'CONNECT')", app, db)
    assert first["fakeProcessorJournal"] is True and second["fakeProcessorJournal"] is True


def _app_user_dsn(server: PostgresServer, settings: migrator.MigratorSettings) -> str:
    """The service's role with a password (the migrator gives it none: IAM only on AWS)."""
    password = secrets.token_hex(16)
    with server.connect() as conn:
        conn.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(settings.app_user), sql.Literal(password)
            )
        )
    return server.dsn(settings.database, settings.app_user, password)


def test_with_the_fake_processor_the_service_may_append_to_its_journal_and_nothing_more(
    settings: migrator.MigratorSettings, postgres_server: PostgresServer
) -> None:
    migrator.run(settings, None)
    dsn = _app_user_dsn(postgres_server, settings)
    processor = FakeProcessor(lambda: psycopg.connect(dsn, autocommit=True))
    try:
        first, again = processor.charge(REQUEST), processor.charge(REQUEST)
    finally:
        processor.close()
    assert (first.outcome, again.replayed) == ("succeeded", True)
    with psycopg.connect(dsn, autocommit=True) as app:
        assert journal_summary(app).charges == 1
        for statement in (
            b"CREATE TABLE fake_processor.extra (id int)",
            b"UPDATE fake_processor.charges SET outcome = 'declined'",
            b"DELETE FROM fake_processor.requests",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
        privileges = app.execute(
            "SELECT has_schema_privilege('fake_processor', 'USAGE'),"
            " has_schema_privilege('fake_processor', 'CREATE'),"
            " has_table_privilege('fake_processor.charges', 'SELECT, INSERT'),"
            " has_table_privilege('fake_processor.requests', 'SELECT, INSERT'),"
            " has_table_privilege('fake_processor.charges', 'UPDATE, DELETE, TRUNCATE'),"
            " (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'fake_processor')"
        ).fetchone()
    assert privileges == (True, False, True, True, False, settings.admin_user)


def test_with_a_real_processor_there_is_no_journal(
    settings: migrator.MigratorSettings, postgres_server: PostgresServer
) -> None:
    result = migrator.run(dataclasses.replace(settings, processor="stripe"), None)
    assert result["fakeProcessorJournal"] is False
    assert not _privilege(
        postgres_server,
        settings.database,
        "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'fake_processor')",
    )


def test_a_package_with_other_migrations_is_refused(settings: migrator.MigratorSettings) -> None:
    with pytest.raises(
        migrator.MigratorError, match="the function code is not the code being deployed"
    ):
        migrator.run(settings, "0" * 64)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"PAYMENTS_ENV": "dev"}, "outside PAYMENTS_ENV=local the migrator connects with IAM only"),
        (
            {"PAYMENTS_DB_NAME": "Bad-Name"},
            "PAYMENTS_DB_NAME must be a lower-case PostgreSQL identifier",
        ),
        ({"PAYMENTS_DB_APP_USER": ""}, "missing environment variable PAYMENTS_DB_APP_USER"),
        (
            {"PAYMENTS_DB_SSLMODE": "verify-full"},
            "PAYMENTS_DB_SSLROOTCERT is required with verify-full",
        ),
        ({"PAYMENTS_PROCESSOR": ""}, "missing environment variable PAYMENTS_PROCESSOR"),
        ({"PAYMENTS_PROCESSOR": "paypal"}, "PAYMENTS_PROCESSOR must be fake or stripe"),
        (
            {
                "PAYMENTS_ENV": "prod",
                "PAYMENTS_DB_IAM_AUTH": "true",
                "PAYMENTS_DB_SSLMODE": "verify-full",
                "PAYMENTS_DB_SSLROOTCERT": "system",
            },
            "PAYMENTS_PROCESSOR=fake is refused when PAYMENTS_ENV=prod",
        ),
    ],
)
def test_bad_settings_are_one_clear_error(change: dict[str, str], message: str) -> None:
    environ = {
        "PAYMENTS_ENV": "local",
        "PAYMENTS_DB_HOST": "127.0.0.1",
        "PAYMENTS_DB_NAME": "pcz_x_payments",
        "PAYMENTS_DB_USER": "admin",
        "PAYMENTS_DB_APP_USER": "pcz_x_app",
        "PAYMENTS_DB_SSLMODE": "disable",
        "PAYMENTS_PROCESSOR": "fake",
        "AWS_REGION": "eu-west-1",
    }
    with pytest.raises(migrator.MigratorError) as raised:
        migrator.load_settings({**environ, **change})
    assert str(raised.value) == message


def test_outside_local_iam_and_verified_tls_are_accepted() -> None:
    loaded = migrator.load_settings(
        {
            "PAYMENTS_ENV": "prod",
            "PAYMENTS_DB_HOST": "proxy.example",
            "PAYMENTS_DB_NAME": "pcz_prod_payments",
            "PAYMENTS_DB_USER": "pczadmin",
            "PAYMENTS_DB_APP_USER": "pcz_prod_app",
            "PAYMENTS_DB_IAM_AUTH": "true",
            "PAYMENTS_DB_SSLMODE": "verify-full",
            "PAYMENTS_DB_SSLROOTCERT": "system",
            "PAYMENTS_PROCESSOR": "stripe",
            "AWS_REGION": "eu-west-1",
        }
    )
    assert loaded.iam_auth is True and loaded.password is None and loaded.port == 5432
    assert loaded.processor == "stripe"
