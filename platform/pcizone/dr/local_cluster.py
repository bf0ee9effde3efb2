"""A local primary and streaming replica, with the moves a drill makes on them.

Nodes are `node-a` and `node-b`; which one is primary changes as the drill goes. Everything
lives under one scratch directory, and `destroy()` stops every postmaster (by pid, reaped) and
removes it, whatever state the drill left.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from psycopg import sql

from pcizone.dr.local_node import PERSISTED_SETTINGS, REPLICATION_SETTINGS, Node, NodeError
from pcizone.local.postgres import PostgresServer, pg_temp_dir


def _setting_text(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


@dataclass(frozen=True)
class Lag:
    state: str | None  # pg_stat_replication.state of the standby: "streaming" when healthy
    replay_lag_ms: float
    replay_lag_bytes: int


class LocalCluster:
    def __init__(
        self,
        *,
        base: Path | None = None,
        timeout: float = 30.0,
        extra_settings: Mapping[str, str | int | bool] | None = None,
    ) -> None:
        self.base = base if base is not None else pg_temp_dir("pcizone-drill-")
        self.timeout = timeout
        settings = {**REPLICATION_SETTINGS, **(extra_settings or {})}
        self.a = Node("node-a", self.base, dict(settings))
        self.b = Node("node-b", self.base, dict(settings))
        self.primary = self.a
        self.standby = self.b

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.destroy()

    # -- lifecycle ------------------------------------------------------------------------------
    def bootstrap(
        self, prepare: Callable[[PostgresServer], None], template: Path | None = None
    ) -> None:
        """Primary from initdb (or a template copy), `prepare` it, then a standby by base backup."""
        self.primary.server.init(template)
        self.primary.start()
        # pg_rewind's own crash recovery of a killed node runs without our command line: what
        # it relies on must live in the data directory (copied to every node from here). Without
        # wal_keep_size there, that recovery's checkpoint recycles the WAL pg_rewind reads.
        for name in PERSISTED_SETTINGS:
            self.primary.execute(
                sql.SQL("ALTER SYSTEM SET {} = {}").format(
                    sql.Identifier(name), sql.Literal(_setting_text(REPLICATION_SETTINGS[name]))
                )
            )
        prepare(self.primary.server)
        self.standby.clone_from(self.primary)
        self.standby.start()
        self.wait_streaming()

    def destroy(self) -> None:
        """Stop both postmasters (SIGKILL by pid if they resist), remove all files."""
        errors: list[str] = []
        for node in (self.a, self.b):
            try:
                # Immediate: the postmaster reaps its own children, leaving no zombies for a
                # slow PID 1; stop() falls back to killing every process by pid.
                node.server.stop("immediate", timeout=10.0)
            except Exception as exc:  # keep going: the other node must be stopped too
                errors.append(f"{node.name}: {exc}")
        shutil.rmtree(self.base, ignore_errors=True)
        if errors:
            raise NodeError("could not stop every drill node: " + "; ".join(errors))

    # -- observing ------------------------------------------------------------------------------
    def lag(self) -> Lag:
        """How far the standby is behind, as the primary sees it."""
        with self.primary.connect() as conn:
            row = conn.execute(
                "SELECT state,"
                " coalesce(extract(epoch FROM replay_lag) * 1000, 0)::float8,"
                " coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::bigint"
                " FROM pg_stat_replication WHERE application_name = %s",
                (self.standby.name,),
            ).fetchone()
        if row is None:
            return Lag(None, float("inf"), -1)
        return Lag(row[0], float(row[1]), int(row[2]))

    def wait_streaming(self) -> None:
        """Until the standby streams from the primary and has replayed what it had written."""
        deadline = time.monotonic() + self.timeout
        target = self.primary.query_one("SELECT pg_current_wal_lsn()::text")
        while self.lag().state != "streaming":
            if time.monotonic() > deadline:
                raise NodeError(
                    f"{self.standby.name} is not streaming from {self.primary.name}"
                    f" after {self.timeout:g} s"
                )
            time.sleep(0.005)
        self.standby.wait_replayed(str(target), max(deadline - time.monotonic(), 0.1))

    def healthy(self) -> bool:
        """One writable primary and one streaming, read-only standby."""
        try:
            return (
                self.primary.running
                and self.standby.running
                and not self.primary.in_recovery()
                and self.standby.in_recovery()
                and self.lag().state == "streaming"
            )
        except Exception:
            return False

    # -- the moves --------------------------------------------------------------------------------
    def swap_roles(self) -> None:
        self.primary, self.standby = self.standby, self.primary

    def stop_primary_cleanly(self) -> str:
        """Fast shutdown; returns the shutdown checkpoint LSN the standby must replay."""
        self.primary.server.stop("fast", timeout=self.timeout)
        return self.primary.checkpoint_lsn()

    def crash_primary(self) -> None:
        self.primary.server.kill()

    def promote_standby(self) -> None:
        self.standby.promote(self.timeout)
        self.swap_roles()

    def rejoin_old_primary(self, *, clean: bool) -> str:
        """Bring the old primary (now `self.standby`, stopped) back as a standby.

        After a clean switchover it only needs to follow the new timeline. After a crash it may
        hold commits the new primary never saw: pg_rewind removes them, and a fresh base backup
        is the fallback when rewinding is impossible. Returns how it was done.
        """
        node, primary = self.standby, self.primary
        if node.running:
            raise NodeError(f"{node.name} is still running; stop it before it rejoins")
        if clean:
            how = "restart as standby"
            node.follow(primary)
        elif node.rewind_from(primary):
            how = "pg_rewind"
        else:
            how = "pg_basebackup (pg_rewind was not possible)"
            node.clone_from(primary)
        node.start()
        self.wait_streaming()
        return how

    def repair(self) -> list[str]:
        """Back to one writable primary and one streaming standby, whatever state a drill left.

        Used when a drill is interrupted: it moves forward where it can (promote the standby if
        the primary is gone) and rebuilds whatever node is not a healthy standby.
        """
        actions: list[str] = []
        if not _writable(self.primary):
            if self.primary.running:
                self.primary.server.stop("fast", timeout=self.timeout)
            if self.standby.running:
                self.promote_standby()
                actions.append(f"promoted {self.primary.name}")
            else:
                # Both are down (a terminal's Ctrl-C reaches the postmasters too): the node that
                # was primary has every acknowledged commit, so it comes back as the primary.
                (self.primary.data_dir / "standby.signal").unlink(missing_ok=True)
                self.primary.start()
                actions.append(f"restarted {self.primary.name} as primary")
        if not self.healthy():
            if self.standby.running:
                self.standby.server.stop("fast", timeout=self.timeout)
            how = self.rejoin_old_primary(clean=False)
            actions.append(f"rebuilt {self.standby.name} as a standby by {how}")
        return actions


def _writable(node: Node) -> bool:
    try:
        return node.running and not node.in_recovery()
    except Exception:
        return False
