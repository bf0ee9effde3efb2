"""Fixtures shared by every test folder: real PostgreSQL servers the suite starts itself."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pcizone.local.postgres import PostgresError, PostgresServer, ensure_template, pg_temp_dir


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[Path]:
    """A stopped, freshly initialised data directory: `server.init(template=...)` copies it in
    ~0.2 s instead of running initdb (~0.5-0.9 s)."""
    base = pg_temp_dir("pcizone-test-pgtemplate-")
    try:
        yield ensure_template(base)
    except PostgresError as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server(postgres_template: Path) -> Iterator[PostgresServer]:
    """One running PostgreSQL server for the whole session; stopped and removed at the end.

    Superuser access is `postgres_server.connect()` (unix socket). Tests make roles and
    databases of their own on it (`create_role_and_database`) and never share them. fsync is
    off: the suite crashes processes, never the machine, so durability is unchanged for it.
    """
    base = pg_temp_dir("pcizone-test-pg-")
    server = PostgresServer(base / "data", settings={"fsync": False})
    try:
        server.init(template=postgres_template)
        server.start()
    except PostgresError as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_workdir() -> Iterator[Path]:
    """An empty directory the `postgres` user can reach, for tests that run servers of their own."""
    base = pg_temp_dir("pcizone-test-pgwork-")
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)
