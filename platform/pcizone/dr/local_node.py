"""One PostgreSQL node of a local replication cluster, with the replication tools around it."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import time
from pathlib import Path
from typing import Any, LiteralString

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.sql import Composed

from pcizone.local.postgres import (
    OS_USER,
    SUPERUSER,
    PostgresError,
    PostgresServer,
    run_as_pg_user,
)

# Streaming replication with pg_rewind support (FACTS.md: local failover drills).
REPLICATION_SETTINGS: dict[str, str | int | bool] = {
    "wal_level": "replica",
    "wal_log_hints": True,  # pg_rewind needs it (or data checksums)
    "full_page_writes": True,  # pg_rewind needs it
    "max_wal_senders": 5,
    "hot_standby": True,
    "wal_keep_size": "64MB",  # lets a node that fell behind catch up without a slot
    # The default 5 s retry stalls promotion and reconnects for that long.
    "wal_retrieve_retry_interval": "20ms",
    "wal_receiver_status_interval": "1s",
}

# postmaster.pid line 8: "ready" once connections are accepted, which PostgreSQL 15 also
# writes for a hot standby; "standby" is what a standby without hot_standby reports.
# Settings pg_rewind's crash-recovery run must see, written to postgresql.auto.conf.
PERSISTED_SETTINGS = ("wal_log_hints", "full_page_writes", "wal_keep_size")

READY_STATES = ("ready", "standby")
_POLL = 0.005


class NodeError(PostgresError):
    """A replication step on a local node failed; the message names the node and the step."""


class Node:
    """A named server (`node-a`) that can act as primary or standby."""

    def __init__(self, name: str, base: Path, settings: dict[str, str | int | bool]) -> None:
        self.name = name
        self.server = PostgresServer(base / name, settings={**settings, "cluster_name": name})

    def __repr__(self) -> str:
        return f"Node({self.name}, port {self.server.port})"

    @property
    def data_dir(self) -> Path:
        return self.server.data_dir

    @property
    def running(self) -> bool:
        return self.server.is_running

    def tool(self, name: str) -> str:
        return str(self.server.bin_dir / name)

    def superuser_conninfo(self, dbname: str = "postgres", **extra: Any) -> str:
        return make_conninfo(
            host=str(self.server.socket_dir),
            port=self.server.port,
            user=SUPERUSER,
            dbname=dbname,
            **extra,
        )

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.superuser_conninfo(), autocommit=True, connect_timeout=5)

    def query_one(self, sql: LiteralString) -> Any:
        with self.connect() as conn:
            row = conn.execute(sql).fetchone()
        return None if row is None else row[0]

    def execute(self, sql: LiteralString | Composed) -> None:
        with self.connect() as conn:
            conn.execute(sql)

    def in_recovery(self) -> bool:
        return bool(self.query_one("SELECT pg_is_in_recovery()"))

    # -- building ---------------------------------------------------------------------------
    def clone_from(self, primary: Node, *, standby: bool = True) -> None:
        """pg_basebackup from `primary` (with -R: a fresh standby of it); old data is removed.

        Without `standby` the copy is a restored, independent server: it recovers to the end of
        the backup and opens read-write.
        """
        self.wipe()
        _owned_empty_dir(self.data_dir)
        _owned_empty_dir(self.server.socket_dir)
        done = run_as_pg_user(
            [
                self.tool("pg_basebackup"),
                "--pgdata",
                self.data_dir,
                "--dbname",
                primary.superuser_conninfo(application_name=self.name),
                "--wal-method=stream",
                "--checkpoint=fast",
                *(["--write-recovery-conf"] if standby else []),
                "--no-sync",  # a local drill's node needs no fsync of the copy
            ]
        )
        _raise_on_failure(done, f"pg_basebackup of {self.name} from {primary.name}")
        if standby:
            self.follow(primary)

    def rewind_from(self, primary: Node) -> bool:
        """pg_rewind this stopped (or crashed) node onto `primary`; False if it cannot be done."""
        # Right after promotion the control file still shows the old timeline: pg_rewind would
        # say "no rewind required" and leave a diverged node. A checkpoint publishes it.
        primary.execute("CHECKPOINT")
        done = run_as_pg_user(
            [
                self.tool("pg_rewind"),
                "--target-pgdata",
                self.data_dir,
                "--source-server",
                primary.superuser_conninfo(),
                "--no-sync",
            ]
        )
        if done.returncode != 0:
            return False
        self.follow(primary)
        return True

    def follow(self, primary: Node) -> None:
        """Make this stopped node a standby of `primary` at its next start."""
        auto = self.data_dir / "postgresql.auto.conf"
        kept = [
            line
            for line in _read(auto).splitlines()
            if not re.match(r"\s*primary_conninfo\s*=", line)
        ]
        conninfo = primary.superuser_conninfo(application_name=self.name).replace("'", "''")
        kept.append(f"primary_conninfo = '{conninfo}'")
        _write_owned(auto, "\n".join(kept) + "\n")
        _write_owned(self.data_dir / "standby.signal", "")

    def wipe(self) -> None:
        if self.running:
            raise NodeError(f"{self.name} is running; stop it before removing its data")
        shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- running -----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the node; whether it is a standby is decided by standby.signal in its data."""
        self.server.start(ready_states=READY_STATES)

    def checkpoint_lsn(self) -> str:
        """`Latest checkpoint location` of this stopped node (its shutdown checkpoint)."""
        done = run_as_pg_user([self.tool("pg_controldata"), self.data_dir])
        _raise_on_failure(done, f"pg_controldata of {self.name}")
        found = re.search(r"^Latest checkpoint location:\s*(\S+)", done.stdout, re.MULTILINE)
        if found is None:
            raise NodeError(f"pg_controldata of {self.name}: no 'Latest checkpoint location'")
        return found.group(1)

    def wait_replayed(self, lsn: str, timeout: float) -> None:
        """Until this standby has replayed WAL up to and including `lsn`."""
        deadline = time.monotonic() + timeout
        with self.connect() as conn:
            while True:
                row = conn.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)
                ).fetchone()
                if row is not None and row[0]:
                    return
                if time.monotonic() > deadline:
                    raise NodeError(f"{self.name} did not replay up to {lsn} within {timeout:g} s")
                time.sleep(_POLL)

    def promote(self, timeout: float) -> None:
        """Promote this standby, re-sending pg_promote every 20 ms until it leaves recovery.

        One signal can be swallowed while the startup process sleeps in its WAL retry wait, which
        stalls promotion for that whole interval; re-sending is cheap and idempotent.
        """
        deadline = time.monotonic() + timeout
        with self.connect() as conn:
            while True:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                if row is not None and not row[0]:
                    return
                try:
                    conn.execute("SELECT pg_promote(false)")
                except psycopg.errors.ObjectNotInPrerequisiteState:
                    return  # promotion finished between the check and the signal
                if time.monotonic() > deadline:
                    raise NodeError(f"{self.name} was not promoted within {timeout:g} s")
                time.sleep(0.02)


def _owned_empty_dir(path: Path) -> None:
    """An empty 0700 directory owned by the server's user (pg_basebackup writes into it)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    if os.geteuid() == 0:
        entry = pwd.getpwnam(OS_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _write_owned(path: Path, text: str) -> None:
    """Write a file in a data directory, owned like the directory (the server must read it)."""
    path.write_text(text)
    owner = path.parent.stat()
    if os.geteuid() == 0:
        os.chown(path, owner.st_uid, owner.st_gid)
    path.chmod(0o600)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


def _raise_on_failure(done: Any, what: str) -> None:
    if done.returncode != 0:
        detail = " ".join((done.stderr or done.stdout or "").split())[-400:]
        raise NodeError(f"{what} failed (exit {done.returncode}): {detail}")
