"""Schema migrations: from empty, re-applied, concurrent, tampered, broken, and the CLI."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
from payments.db.migrate import MIGRATIONS_DIR, MigrationError, apply_migrations, load_migrations
from pcizone.local.postgres import PostgresServer

TABLES = {
    "payments",
    "payment_events",
    "charges",
    "ledger_entries",
    "idempotency_records",
    "outbox",
    "dead_letters",
    "schema_migrations",
}


@pytest.fixture
def empty_db(postgres_server: PostgresServer) -> Any:
    """An empty database (not cloned from the migrated template)."""
    name = "payments_empty_migrations"
    postgres_server.drop_database(name)
    postgres_server.create_role_and_database(name, "payments_app", "local-test-password")
    yield postgres_server.dsn(name, "payments_app", "local-test-password")
    postgres_server.drop_database(name)


def _tables(conn: psycopg.Connection[Any]) -> set[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {r[0] for r in rows}


def test_from_empty_then_reapplied_is_a_no_op(empty_db: str) -> None:
    names = [m.name for m in load_migrations()]
    assert names == sorted(names) and len(names) >= 4
    with psycopg.connect(empty_db, autocommit=True) as conn:
        assert _tables(conn) == set()
        assert apply_migrations(conn) == names
        assert _tables(conn) == TABLES
        recorded = conn.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()
        assert [r[0] for r in recorded] == names
        assert apply_migrations(conn) == []
        assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone() == (len(names),)


def test_concurrent_runners_apply_each_migration_once(empty_db: str) -> None:
    results: list[list[str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def run() -> None:
        try:
            with psycopg.connect(empty_db, autocommit=True) as conn:
                start.wait()
                results.append(apply_migrations(conn))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    applied = [names for names in results if names]
    assert len(applied) == 1  # one runner did the work, the others found nothing to do
    assert applied[0] == [m.name for m in load_migrations()]


def _copy_migrations(tmp_path: Path) -> Path:
    target = tmp_path / "migrations"
    target.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        (target / path.name).write_bytes(path.read_bytes())
    return target


def test_a_changed_applied_migration_is_refused(empty_db: str, tmp_path: Path) -> None:
    directory = _copy_migrations(tmp_path)
    with psycopg.connect(empty_db, autocommit=True) as conn:
        apply_migrations(conn, directory)
        first = sorted(directory.glob("*.sql"))[0]
        first.write_text(first.read_text() + "\n-- edited\n")
        with pytest.raises(MigrationError, match=f"{first.name} changed after it was applied"):
            apply_migrations(conn, directory)


def test_a_failing_migration_leaves_no_trace(empty_db: str, tmp_path: Path) -> None:
    directory = _copy_migrations(tmp_path)
    (directory / "0900_broken.sql").write_text(
        "CREATE TABLE half_done (n int);\nSELECT no_such_function();\n"
    )
    with psycopg.connect(empty_db, autocommit=True) as conn:
        with pytest.raises(
            MigrationError, match=r"0900_broken\.sql failed: function no_such_function"
        ):
            apply_migrations(conn, directory)
        assert "half_done" not in _tables(conn)  # rolled back with its failing statement
        assert "payments" in _tables(conn)  # earlier migrations stay applied
        names = {r[0] for r in conn.execute("SELECT name FROM schema_migrations").fetchall()}
        assert "0900_broken.sql" not in names
        # Fixing the file lets the next run apply it.
        (directory / "0900_broken.sql").write_text("CREATE TABLE half_done (n int);\n")
        assert apply_migrations(conn, directory) == ["0900_broken.sql"]


@pytest.mark.parametrize(
    ("name", "message"),
    [("create_things.sql", "migration names look like"), ("0001_again.sql", "number 0001 is also")],
)
def test_badly_named_files_are_refused(tmp_path: Path, name: str, message: str) -> None:
    directory = _copy_migrations(tmp_path)
    (directory / name).write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=message):
        load_migrations(directory)


def test_cli_applies_then_reports_up_to_date(empty_db: str) -> None:
    command = [sys.executable, "-m", "payments.db.migrate", "--dsn", empty_db]
    first = subprocess.run(command, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == "applied 0001_payments.sql"
    second = subprocess.run(command, capture_output=True, text=True, check=False)
    assert (second.returncode, second.stdout) == (0, "schema is up to date\n")


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    missing_dir = subprocess.run(
        [
            sys.executable,
            "-m",
            "payments.db.migrate",
            "--dsn",
            "host=127.0.0.1 port=1",
            "--dir",
            str(tmp_path / "nowhere"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing_dir.returncode == 1
    assert (
        missing_dir.stderr
        == f"migrate: migrations directory {tmp_path / 'nowhere'} does not exist\n"
    )
    no_config = subprocess.run(
        [sys.executable, "-m", "payments.db.migrate"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert no_config.returncode == 2
    assert no_config.stderr == "migrate: missing environment variable " + (
        "PAYMENTS_ENV, PAYMENTS_DB_HOST, PAYMENTS_DB_NAME, PAYMENTS_DB_USER,"
        " PAYMENTS_MAX_AMOUNT_MINOR, PAYMENTS_PROCESSOR, AWS_REGION\n"
    )
