"""The local PostgreSQL server primitives: discovery, users, lifecycle, crash and restart."""

from __future__ import annotations

import os
import pwd
import socket
from pathlib import Path

import psycopg
import pytest
from pcizone.local import postgres
from pcizone.local.postgres import (
    PostgresError,
    PostgresNotInstalled,
    PostgresServer,
    ensure_template,
    find_bin_dir,
    run_as_pg_user,
)

AS_ROOT = os.geteuid() == 0


def test_find_bin_dir_finds_the_server_binaries() -> None:
    found = find_bin_dir()
    assert (found / "initdb").is_file()
    assert (found / "postgres").is_file()


def test_pg_bin_without_binaries_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PG_BIN", str(tmp_path))
    with pytest.raises(PostgresNotInstalled, match=f"PG_BIN={tmp_path} does not hold"):
        find_bin_dir()


def test_missing_binaries_name_the_package_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PG_BIN", raising=False)
    monkeypatch.setattr(postgres, "DEBIAN_ROOT", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PostgresNotInstalled, match="install Debian's 'postgresql' package"):
        find_bin_dir()


def test_tools_run_as_the_postgres_user_when_root() -> None:
    done = run_as_pg_user(["id", "-un"])
    expected = "postgres" if AS_ROOT else pwd.getpwuid(os.geteuid()).pw_name
    assert done.returncode == 0
    assert done.stdout.strip() == expected
    # Root's supplementary groups are dropped, not inherited.
    groups = run_as_pg_user(["id", "-G"]).stdout.split()
    assert "0" not in groups or not AS_ROOT


def test_session_server_is_ready_on_loopback_only(postgres_server: PostgresServer) -> None:
    assert postgres_server.is_running
    assert postgres_server.status() == "ready"
    with postgres_server.connect() as conn:
        listen = conn.execute("SHOW listen_addresses").fetchone()
        assert listen == ("127.0.0.1",)
        assert conn.execute("SELECT current_user").fetchone() == ("postgres",)


def test_superuser_needs_the_socket_and_apps_need_a_password(
    postgres_server: PostgresServer,
) -> None:
    postgres_server.create_role_and_database("pgtest_db", "pgtest_user", "s3cret-pw")
    with psycopg.connect(postgres_server.dsn("pgtest_db", "pgtest_user", "s3cret-pw")) as conn:
        row = conn.execute("SELECT current_user, inet_server_addr()::text").fetchone()
        assert row == ("pgtest_user", "127.0.0.1/32")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(postgres_server.dsn("postgres", "postgres", "anything"))
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(postgres_server.dsn("pgtest_db", "pgtest_user", "wrong"))
    # Re-running resets the password and keeps the database.
    postgres_server.create_role_and_database("pgtest_db", "pgtest_user", "rotated-pw")
    with psycopg.connect(postgres_server.dsn("pgtest_db", "pgtest_user", "rotated-pw")) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    postgres_server.drop_database("pgtest_db")


def _postgres_processes(postmaster: int) -> set[int]:
    return {postmaster, *postgres._child_pids(postmaster)}


def test_template_is_built_once(pg_workdir: Path) -> None:
    template = ensure_template(pg_workdir / "cache")
    assert (template / "PG_VERSION").read_text().strip() == postgres.server_version().split(".")[0]
    assert ensure_template(pg_workdir / "cache") == template
    assert [p.name for p in (pg_workdir / "cache").iterdir()] == [template.name]


def test_lifecycle_crash_and_recovery(pg_workdir: Path, postgres_template: Path) -> None:
    template = postgres_template
    server = PostgresServer(pg_workdir / "node", settings={"wal_level": "replica", "fsync": False})
    server.init(template=template)
    if AS_ROOT:
        owner = pwd.getpwuid(server.data_dir.stat().st_uid).pw_name
        assert owner == "postgres"
    assert oct(server.data_dir.stat().st_mode & 0o777) == "0o700"
    server.start()
    try:
        with server.connect() as conn:
            assert conn.execute("SHOW wal_level").fetchone() == ("replica",)
            conn.execute("CREATE TABLE t (n int)")
            conn.execute("INSERT INTO t VALUES (1), (2)")
        postmaster = server.pid
        assert postmaster is not None
        processes = _postgres_processes(postmaster)
        assert len(processes) > 3  # checkpointer, walwriter, ... are children

        server.kill()
        assert server.pid is None and not server.is_running
        assert all(postgres._is_gone(pid) for pid in processes)

        server.start()  # crash recovery replays the committed rows
        with server.connect() as conn:
            assert conn.execute("SELECT sum(n) FROM t").fetchone() == (3,)
        server.stop("immediate")
        server.start()
        assert server.status() == "ready"
        server.stop()
        assert not (server.data_dir / "postmaster.pid").exists()
        assert "database system is shut down" in server.log_text()
    finally:
        server.destroy()
    assert not server.data_dir.exists()


def test_start_retries_when_the_chosen_port_is_taken(
    pg_workdir: Path, postgres_template: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        server = PostgresServer(pg_workdir / "node")
        server.port = busy  # as if another process grabbed the port after it was chosen
        server.init(template=postgres_template)
        try:
            server.start()
            assert server.port != busy
            with server.connect() as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
        finally:
            server.destroy()


def test_misuse_is_refused_with_a_clear_message(pg_workdir: Path, postgres_template: Path) -> None:
    server = PostgresServer(pg_workdir / "node")
    with pytest.raises(PostgresError, match="call init\\(\\) first"):
        server.start()
    with pytest.raises(ValueError, match="managed by PostgresServer"):
        server.set("port", 5432)
    with pytest.raises(ValueError, match="not a PostgreSQL setting name"):
        server.set("x; rm -rf", "1")
    server.init(template=postgres_template)
    with pytest.raises(PostgresError, match="already holds a PostgreSQL data directory"):
        server.init()
    server.destroy()


@pytest.mark.skipif(
    not AS_ROOT, reason="only root can make a directory the server user cannot enter"
)
def test_unreachable_parent_directory_is_named(pg_workdir: Path) -> None:
    private = pg_workdir / "private"
    private.mkdir(mode=0o700)
    server = PostgresServer(private / "node")
    with pytest.raises(PostgresError, match=f"{private} is not traversable"):
        server.init()
