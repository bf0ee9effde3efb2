"""Apply the SQL migrations in `services/payments/migrations`, in order, each exactly once.

Each file (`NNNN_name.sql`) runs in its own transaction together with its row in
`schema_migrations` (name, SHA-256, time), so a migration is applied completely or not at all.
A session advisory lock serialises concurrent runners (two deploys, two Lambdas): the second
waits, then finds nothing left to do. A recorded migration whose file has since changed is an
error, never silently skipped.

    python -m payments.db.migrate [--dsn DSN] [--dir DIR]

Without --dsn the connection comes from the PAYMENTS_DB_* environment (see payments.config).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg

from payments.config import ConfigError, load_settings
from payments.db.connection import Connection, connect, connect_dsn

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
# pg_advisory_lock key: the first 8 bytes of sha256("payments.schema_migrations"), signed.
LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"payments.schema_migrations").digest()[:8], "big", signed=True
)
_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")
_CREATE_TABLE = b"""
CREATE TABLE IF NOT EXISTS schema_migrations (
    name       text PRIMARY KEY,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(Exception):
    """A migration could not be loaded or applied; the message names the file."""


@dataclass(frozen=True)
class Migration:
    name: str
    sql: bytes
    checksum: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations in `directory`, ordered by number; badly named .sql files are errors."""
    if not directory.is_dir():
        raise MigrationError(f"migrations directory {directory} does not exist")
    migrations: list[Migration] = []
    numbers: dict[str, str] = {}
    for path in sorted(directory.glob("*.sql")):
        found = _NAME.fullmatch(path.name)
        if found is None:
            raise MigrationError(f"{path}: migration names look like 0001_create_things.sql")
        if found.group(1) in numbers:
            raise MigrationError(
                f"{path}: number {found.group(1)} is also {numbers[found.group(1)]}"
            )
        numbers[found.group(1)] = path.name
        sql = path.read_bytes()
        migrations.append(Migration(path.name, sql, hashlib.sha256(sql).hexdigest()))
    return migrations


def apply_migrations(conn: Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply what is missing; returns the names applied now (empty when up to date)."""
    migrations = load_migrations(directory)
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise MigrationError("apply_migrations needs a connection outside a transaction")
    was_autocommit = conn.autocommit
    conn.autocommit = True
    conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
    try:
        conn.execute(_CREATE_TABLE)
        recorded = dict(conn.execute("SELECT name, checksum FROM schema_migrations").fetchall())
        applied: list[str] = []
        for migration in migrations:
            checksum = recorded.get(migration.name)
            if checksum == migration.checksum:
                continue
            if checksum is not None:
                raise MigrationError(
                    f"{migration.name} changed after it was applied (recorded sha256 "
                    f"{checksum[:12]}..., file {migration.checksum[:12]}...); add a new migration"
                )
            try:
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute(
                        "INSERT INTO schema_migrations (name, checksum) VALUES (%s, %s)",
                        (migration.name, migration.checksum),
                    )
            except psycopg.Error as exc:
                detail = (exc.diag.message_primary or str(exc)).strip()
                raise MigrationError(f"{migration.name} failed: {detail}") from exc
            applied.append(migration.name)
        return applied
    finally:
        if not conn.broken:  # a lost session has released its lock already
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
            conn.autocommit = was_autocommit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m payments.db.migrate", description=__doc__)
    parser.add_argument("--dsn", help="libpq connection string (default: PAYMENTS_DB_* variables)")
    parser.add_argument("--dir", type=Path, default=MIGRATIONS_DIR, help="migrations directory")
    args = parser.parse_args(argv)
    try:
        load_migrations(args.dir)  # a bad directory is reported before connecting
        with _connect(args.dsn) as conn:
            applied = apply_migrations(conn, args.dir)
    except ConfigError as exc:
        print(f"migrate: {_one_line(exc)}", file=sys.stderr)
        return 2
    except (MigrationError, psycopg.Error, OSError) as exc:
        print(f"migrate: {_one_line(exc)}", file=sys.stderr)
        return 1
    for name in applied:
        print(f"applied {name}")
    if not applied:
        print("schema is up to date")
    return 0


def _connect(dsn: str | None) -> Connection:
    if dsn:
        return connect_dsn(dsn, "payments-migrate")
    return connect(load_settings(), "payments-migrate")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


if __name__ == "__main__":
    raise SystemExit(main())
