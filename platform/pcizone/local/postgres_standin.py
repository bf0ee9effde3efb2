"""The local PostgreSQL server stands in for every Aurora cluster (and RDS Proxy) of the local cloud.

The emulator keeps the cluster's metadata (ARNs, parameter groups, the managed master secret),
but it runs no database. The rds handlers create the cluster there and map it here: its
endpoints resolve to this server, its master user is a login role whose password is the one
in the cluster's master secret, and the roles Aurora has built in exist too, so migrations
written for Aurora run unchanged. Each developer stack's migrator then creates the stack's own
database and user, as it does on AWS.

What cannot be reproduced is replaced, and the summary says so: functions reach the database
with a password over loopback instead of IAM tokens over TLS (`local_environment`). Passwords
of service users are made for this run only and live in memory.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pcizone.local.postgres import PostgresServer

LOCAL_HOST = "127.0.0.1"
# Built into every Aurora PostgreSQL cluster; migrations and migrators grant them.
AURORA_BUILTIN_ROLES = ("rds_superuser", "rds_iam")
_PASSWORD_BYTES = 24


@dataclass(frozen=True)
class Login:
    user: str
    password: str

    def __repr__(self) -> str:
        return f"Login(user={self.user!r}, password=[secret])"


@dataclass(frozen=True)
class MappedCluster:
    identifier: str
    master: Login


class PostgresStandIn:
    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self._lock = threading.Lock()
        self._clusters: dict[str, MappedCluster] = {}
        self._logins: dict[str, Login] = {}

    @property
    def host(self) -> str:
        return LOCAL_HOST

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def clusters(self) -> list[MappedCluster]:
        with self._lock:
            return sorted(self._clusters.values(), key=lambda c: c.identifier)

    def map_cluster(self, identifier: str, master: Login) -> None:
        """Make the cluster's master user a login here (as `rds_superuser`, like Aurora's)."""
        from psycopg import sql

        with self._lock, self.server.connect() as conn:
            for role in AURORA_BUILTIN_ROLES:
                if not _role_exists(conn, role):
                    conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
            verb = "ALTER" if _role_exists(conn, master.user) else "CREATE"
            conn.execute(
                sql.SQL(verb + " ROLE {} WITH LOGIN CREATEDB CREATEROLE PASSWORD {}").format(
                    sql.Identifier(master.user), sql.Literal(master.password)
                )
            )
            conn.execute(
                sql.SQL("GRANT {} TO {}").format(
                    sql.Identifier("rds_superuser"), sql.Identifier(master.user)
                )
            )
            self._clusters[identifier] = MappedCluster(identifier, master)
            self._logins[master.user] = master

    def login(self, user: str) -> Login:
        """The password `user` connects with in this run (a service user gets a fresh one)."""
        from psycopg import sql

        with self._lock:
            found = self._logins.get(user)
            if found is not None:
                return found
            login = Login(user, secrets.token_urlsafe(_PASSWORD_BYTES))
            with self.server.connect() as conn:
                # The migrator creates service users on AWS; here it may not have run yet.
                verb = "ALTER" if _role_exists(conn, user) else "CREATE"
                conn.execute(
                    sql.SQL(verb + " ROLE {} WITH LOGIN PASSWORD {}").format(
                        sql.Identifier(user), sql.Literal(login.password)
                    )
                )
            self._logins[user] = login
            return login

    def local_environment(self, env: Mapping[str, str]) -> dict[str, str] | None:
        """A function's environment with database access rewritten for this server, or None
        when the function does not use a mapped database.

        Follows the contract in `payments.config`: a static password is accepted only with
        PAYMENTS_ENV=local, and IAM tokens and TLS cannot be verified by a local server.
        """
        if env.get("PAYMENTS_DB_HOST") != self.host or not env.get("PAYMENTS_DB_USER"):
            return None
        login = self.login(env["PAYMENTS_DB_USER"])
        local = {k: v for k, v in env.items() if k != "PAYMENTS_DB_SSLROOTCERT"}
        local.update(
            {
                "PAYMENTS_ENV": "local",
                "PAYMENTS_DB_PORT": str(self.port),
                "PAYMENTS_DB_IAM_AUTH": "false",
                "PAYMENTS_DB_SSLMODE": "disable",
                "PAYMENTS_DB_PASSWORD": login.password,
            }
        )
        return local


def new_password() -> str:
    return secrets.token_urlsafe(_PASSWORD_BYTES)


def _role_exists(conn: object, role: str) -> bool:
    found = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()  # type: ignore[attr-defined]
    return found is not None
