"""Run real PostgreSQL servers on this machine: the local stand-in for Aurora PostgreSQL.

Used by the test suite, the local cloud and the disaster-recovery drills (which build streaming
replication on top of these primitives), so nothing here is specific to one caller.

Facts this module is built around (see the shared FACTS.md):
- `initdb` and `postgres` refuse to run as root. When we are root they run as the `postgres`
  system user, with root's supplementary groups dropped; otherwise they run as ourselves.
- The postmaster is started with Popen as OUR child, so we can reap it at once: PID 1 on these
  machines reaps orphans only every second or two, and a dead-but-unreaped postmaster still
  "owns" its data directory.
- Postmaster children call setsid, so a process-group kill misses them: `kill()` freezes the
  postmaster, lists its children from /proc, and SIGKILLs each one by pid.
- Port, socket directory and listen address go on the command line, never in postgresql.conf,
  because pg_basebackup and pg_rewind copy the config files to other servers.

Authentication: TCP connections (127.0.0.1 only) need a password (scram-sha-256); the superuser
`postgres` has no password and connects only through the unix socket with `trust`. The socket
lives in a 0700 directory owned by the server's user, so the filesystem is what guards `trust`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import weakref
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from pcizone.errors import EXIT_ENVIRONMENT, UserError

if TYPE_CHECKING:
    import psycopg

DEBIAN_ROOT = Path("/usr/lib/postgresql")  # Debian's layout: <root>/<version>/bin
OS_USER = "postgres"  # the system user the server runs as when we are root
SUPERUSER = "postgres"  # the database superuser initdb creates
STATUS_READY = "ready"  # postmaster.pid line 8 once connections are accepted
_SUN_PATH_MAX = 107  # sockaddr_un.sun_path minus the terminating NUL (Linux)
_POLL_SECONDS = 0.005
_RESERVED_SETTINGS = frozenset({"port", "listen_addresses", "unix_socket_directories"})
_LOG_TAIL_LINES = 8

StopMode = Literal["smart", "fast", "immediate"]
_STOP_SIGNALS: dict[str, signal.Signals] = {
    "smart": signal.SIGTERM,
    "fast": signal.SIGINT,
    "immediate": signal.SIGQUIT,
}
SettingValue = str | int | float | bool


class PostgresError(UserError):
    """PostgreSQL could not be prepared, started or stopped; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=EXIT_ENVIRONMENT)


class PostgresNotInstalled(PostgresError):
    """The server binaries (or the user to run them as) are missing from this machine."""


def find_bin_dir() -> Path:
    """The directory holding `initdb` and `postgres`.

    Order: `PG_BIN` (an explicit choice wins), the newest `/usr/lib/postgresql/<version>/bin`
    (Debian's layout), then `initdb` on PATH (Homebrew, source builds).
    """
    override = os.environ.get("PG_BIN")
    if override:
        path = Path(override)
        if not _has_server_binaries(path):
            raise PostgresNotInstalled(
                f"PG_BIN={override} does not hold the PostgreSQL server binaries (initdb, postgres)"
            )
        return path
    debian = [p for p in DEBIAN_ROOT.glob("*/bin") if _has_server_binaries(p)]
    if debian:
        return max(debian, key=lambda p: _version_key(p.parent.name))
    on_path = shutil.which("initdb")
    if on_path:
        path = Path(on_path).resolve().parent
        if _has_server_binaries(path):
            return path
    raise PostgresNotInstalled(
        "PostgreSQL server binaries (initdb, postgres) not found: install Debian's 'postgresql'"
        " package (apt-get install postgresql), or set PG_BIN to the directory that holds them"
    )


def _has_server_binaries(path: Path) -> bool:
    return all(os.access(path / name, os.X_OK) for name in ("initdb", "postgres"))


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name)) or (0,)


def server_version(bin_dir: Path | None = None) -> str:
    """The server's version, e.g. "15.18", from `postgres --version`."""
    binary = (bin_dir or find_bin_dir()) / "postgres"
    out = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"(\d+(?:\.\d+)*)", out)
    if found is None:
        raise PostgresError(f"cannot read the version from `{binary} --version`: {out.strip()!r}")
    return found.group(1)


def _server_identity() -> tuple[int, int] | None:
    """(uid, gid) to run the server as, or None to run it as ourselves (we are not root)."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(OS_USER)
    except KeyError:
        raise PostgresNotInstalled(
            f"running as root, but there is no '{OS_USER}' system user to run PostgreSQL as"
            " (it refuses to run as root): install Debian's 'postgresql' package, which creates it"
        ) from None
    return entry.pw_uid, entry.pw_gid


def _as_server_user() -> dict[str, Any]:
    identity = _server_identity()
    if identity is None:
        return {}
    uid, gid = identity
    # extra_groups=[] drops root's supplementary groups, which setuid alone would keep.
    return {"user": uid, "group": gid, "extra_groups": []}


def _server_env() -> dict[str, str]:
    """A small, predictable environment: no PG* variables or root's HOME leak into the tools."""
    identity = _server_identity()
    home = pwd.getpwuid(identity[0]).pw_dir if identity else os.environ.get("HOME", "/")
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LC_ALL": "C"}


def run_as_pg_user(
    argv: Sequence[str | os.PathLike[str]], **kwargs: Any
) -> subprocess.CompletedProcess[Any]:
    """`subprocess.run` for a PostgreSQL tool, as the `postgres` user when we are root.

    Defaults: captured text output, a clean environment, and `/` as the working directory (the
    server user may not be able to enter ours). Any `subprocess.run` keyword overrides them.
    """
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("env", _server_env())
    kwargs.setdefault("cwd", "/")
    return subprocess.run([os.fspath(a) for a in argv], **_as_server_user(), **kwargs)  # noqa: PLW1510


def _run_checked(argv: Sequence[str | os.PathLike[str]], what: str) -> None:
    done = run_as_pg_user(argv)
    if done.returncode != 0:
        detail = " ".join((done.stderr or done.stdout or "").split())[-400:]
        raise PostgresError(f"{what} failed (exit {done.returncode}): {detail}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (start() retries if it is taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pg_temp_dir(prefix: str = "pcizone-pg-") -> Path:
    """A fresh directory under the system temp dir that the server user can traverse.

    Test temp dirs (pytest's, for example) are often 0700 root-owned, which the `postgres` user
    cannot enter; this one is 0711: traversable, not listable.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o711)
    return path


def ensure_template(cache_dir: Path, bin_dir: Path | None = None) -> Path:
    """A stopped, freshly initialised data directory to copy from (`PostgresServer.init`).

    Built once per PostgreSQL major version under `cache_dir`. Copies share initdb's system
    identifier, which is harmless for independent servers (replicas are base backups anyway).
    """
    bin_dir = bin_dir or find_bin_dir()
    major = server_version(bin_dir).split(".")[0]
    target = cache_dir / f"template-pg{major}"
    if (target / "PG_VERSION").is_file():
        return target
    staging = cache_dir / f".template-pg{major}-{os.getpid()}-{time.monotonic_ns()}"
    PostgresServer(staging, bin_dir=bin_dir).init()
    try:
        staging.rename(target)
    except OSError:
        # Another process finished first; its template is as good as ours.
        shutil.rmtree(staging, ignore_errors=True)
        if not (target / "PG_VERSION").is_file():
            raise
    return target


def _setting_text(value: SettingValue) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _child_pids(parent: int) -> list[int]:
    """Pids whose parent is `parent`, from /proc (children of a postmaster call setsid)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue  # exited while we looked
        # Field 2 (comm) is parenthesised and may hold spaces; ppid is 2nd after the last ')'.
        fields = raw[raw.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == parent:
            found.append(int(entry.name))
    return found


def _is_gone(pid: int) -> bool:
    """True once `pid` has exited (a zombie has released its memory and shared segments)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    state = raw[raw.rfind(")") + 2 :].split()[0]
    return state in {"Z", "X"}


class PostgresServer:
    """One PostgreSQL server: a data directory, a loopback port and a unix socket directory.

    ```
    with PostgresServer(pg_temp_dir() / "data") as pg:   # init() if needed, then start()
        pg.create_role_and_database("app", "app", "secret")
        dsn = pg.dsn("app", "app", "secret")             # TCP, password (scram)
        with pg.connect() as conn: ...                   # superuser, unix socket
    ```

    `settings` become `-c name=value` arguments at start (for example `wal_level=replica`,
    `cluster_name=primary`); `server.set(name, value)` between stop() and start() changes them.
    """

    def __init__(
        self,
        data_dir: Path | str,
        *,
        port: int | None = None,
        socket_dir: Path | str | None = None,
        settings: Mapping[str, SettingValue] | None = None,
        bin_dir: Path | None = None,
        log_path: Path | str | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self._port_was_chosen = port is None
        self.port = free_port() if port is None else port
        default_socket_dir = self.data_dir.with_name(self.data_dir.name + ".sock")
        self.socket_dir = Path(socket_dir).absolute() if socket_dir else default_socket_dir
        self.log_path = (
            Path(log_path).absolute()
            if log_path
            else self.data_dir.with_name(self.data_dir.name + ".log")
        )
        self.settings: dict[str, str] = {}
        for name, value in (settings or {}).items():
            self.set(name, value)
        self._bin_dir = bin_dir
        self._proc: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"PostgresServer(data_dir={str(self.data_dir)!r}, port={self.port})"

    # -- configuration ---------------------------------------------------------------------

    @property
    def bin_dir(self) -> Path:
        if self._bin_dir is None:
            self._bin_dir = find_bin_dir()
        return self._bin_dir

    def set(self, name: str, value: SettingValue) -> None:
        """Set a server setting for the next start (passed as `-c name=value`)."""
        if name in _RESERVED_SETTINGS:
            raise ValueError(f"{name} is managed by PostgresServer (use port= / socket_dir=)")
        if not re.fullmatch(r"[a-z_][a-z0-9_.]*", name):
            raise ValueError(f"not a PostgreSQL setting name: {name!r}")
        self.settings[name] = _setting_text(value)

    @property
    def is_initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    # -- lifecycle -------------------------------------------------------------------------

    def init(self, template: Path | None = None) -> None:
        """Create the data directory: run initdb, or copy `template` (a stopped data dir)."""
        if self.is_initialized:
            raise PostgresError(f"{self.data_dir} already holds a PostgreSQL data directory")
        self._prepare_dirs()
        if template is None:
            _run_checked(
                [
                    self.bin_dir / "initdb",
                    "--pgdata",
                    self.data_dir,
                    "--username",
                    SUPERUSER,
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",  # durability of a fresh cluster is not worth 0.3 s per server
                    "--no-instructions",
                ],
                f"initdb {self.data_dir}",
            )
            return
        self._copy_template(Path(template))

    def _prepare_dirs(self) -> None:
        for parent in reversed(self.data_dir.parents):
            if not parent.exists():
                parent.mkdir(mode=0o755)  # traversable by the server user
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        if any(self.data_dir.iterdir()):
            raise PostgresError(
                f"{self.data_dir} is not empty; give init() an empty data directory"
            )
        _own_private_dir(self.data_dir)

    def _copy_template(self, template: Path) -> None:
        if not (template / "PG_VERSION").is_file():
            raise PostgresError(f"template {template} is not a PostgreSQL data directory")
        if (template / "postmaster.pid").exists():
            raise PostgresError(f"template {template} belongs to a running server; stop it first")
        shutil.copytree(template, self.data_dir, symlinks=True, dirs_exist_ok=True)
        identity = _server_identity()
        if identity:
            for root, dirs, files in os.walk(self.data_dir):
                for name in (*dirs, *files):
                    os.lchown(os.path.join(root, name), *identity)
        self.data_dir.chmod(0o700)

    def start(self, timeout: float = 30.0, ready_states: Collection[str] = (STATUS_READY,)) -> None:
        """Start the postmaster as our child and return once it reports one of `ready_states`.

        `ready_states` lets a standby without hot_standby count as up (its status is "standby").
        """
        if self.is_running:
            raise PostgresError(f"{self} is already running")
        if not self.is_initialized:
            raise PostgresError(f"{self.data_dir} is not a data directory yet; call init() first")
        for parent in reversed(self.socket_dir.parents):
            if not parent.exists():
                parent.mkdir(mode=0o755)
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        _own_private_dir(self.socket_dir)
        tries = 3 if self._port_was_chosen else 1
        for attempt in range(tries):
            socket_path = self.socket_dir / f".s.PGSQL.{self.port}"
            if len(os.fsencode(socket_path)) > _SUN_PATH_MAX:
                raise PostgresError(
                    f"socket path {socket_path} is longer than {_SUN_PATH_MAX} bytes; "
                    "use a shorter socket_dir"
                )
            try:
                self._start_once(timeout, ready_states)
                break
            except _PortTaken:
                if attempt == tries - 1:
                    raise PostgresError(
                        f"no free port for {self.data_dir} after {tries} tries"
                    ) from None
                self.port = free_port()
        _LIVE_SERVERS.add(self)

    def _command(self) -> list[str]:
        argv = [
            str(self.bin_dir / "postgres"),
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-k",
            str(self.socket_dir),
            "-c",
            "listen_addresses=127.0.0.1",
        ]
        for name, value in self.settings.items():
            argv += ["-c", f"{name}={value}"]
        return argv

    def _start_once(self, timeout: float, ready_states: Collection[str]) -> None:
        log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            # The child writes through the inherited descriptor, so the log may stay ours.
            self._proc = subprocess.Popen(
                self._command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd="/",
                env=_server_env(),
                **_as_server_user(),
            )
        proc = self._proc
        pid_file = self.data_dir / "postmaster.pid"
        deadline = time.monotonic() + timeout
        while True:
            code = proc.poll()
            if code is not None:
                self._proc = None
                tail = self._log_tail(log_offset)
                if "Address already in use" in tail:
                    raise _PortTaken
                raise PostgresError(
                    f"PostgreSQL in {self.data_dir} exited with code {code} while starting: {tail}"
                )
            lines = _read_lines(pid_file)
            # Line 1 is the owner's pid: a stale file from a crashed run must not count.
            if len(lines) >= 8 and lines[0] == str(proc.pid) and lines[7] in ready_states:
                return
            if time.monotonic() > deadline:
                self.kill()
                raise PostgresError(
                    f"PostgreSQL in {self.data_dir} was not ready within {timeout:g} s: "
                    + self._log_tail(log_offset)
                )
            time.sleep(_POLL_SECONDS)

    def _log_tail(self, offset: int = 0) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(offset)
                text = log.read().decode("utf-8", "replace")
        except OSError:
            return "(no log)"
        return " | ".join(text.strip().splitlines()[-_LOG_TAIL_LINES:]) or "(empty log)"

    def log_text(self) -> str:
        """Everything the server wrote to its log file so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def pid(self) -> int | None:
        """The postmaster's pid while it runs as our child, else None."""
        if self._proc is None or self._proc.poll() is not None:
            return None
        return self._proc.pid

    @property
    def is_running(self) -> bool:
        return self.pid is not None

    def status(self) -> str | None:
        """postmaster.pid line 8 ("starting", "ready", "standby", "stopping"), None if absent."""
        lines = _read_lines(self.data_dir / "postmaster.pid")
        return lines[7] if len(lines) >= 8 else None

    def stop(self, mode: StopMode = "fast", timeout: float = 30.0) -> None:
        """Shut down (smart: wait for clients; fast: roll back and checkpoint; immediate: crash).

        Falls back to kill() if the server has not exited within `timeout`.
        """
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(_STOP_SIGNALS[mode])
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise PostgresError(
                    f"PostgreSQL in {self.data_dir} did not stop ({mode}) within {timeout:g} s; "
                    "killed it"
                ) from None
        self._proc = None
        _LIVE_SERVERS.discard(self)

    def kill(self) -> None:
        """SIGKILL the postmaster and every child by pid, as a machine crash would, then reap.

        The postmaster is frozen first so it cannot fork while its children are listed.
        """
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGSTOP)
            children = _child_pids(proc.pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
            for child in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
            proc.wait()
            deadline = time.monotonic() + 10.0
            while not all(_is_gone(child) for child in children):
                if time.monotonic() > deadline:
                    raise PostgresError(f"children of {self} survived SIGKILL: {children}")
                time.sleep(_POLL_SECONDS)
        self._proc = None
        _LIVE_SERVERS.discard(self)

    def destroy(self) -> None:
        """Stop the server (immediately) and remove its data, socket directory and log."""
        try:
            self.stop("immediate", timeout=10.0)
        finally:
            for path in (self.data_dir, self.socket_dir):
                shutil.rmtree(path, ignore_errors=True)
            self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> PostgresServer:
        if not self.is_initialized:
            self.init()
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- clients ---------------------------------------------------------------------------

    def dsn(
        self, dbname: str = "postgres", user: str = SUPERUSER, password: str | None = None
    ) -> str:
        """A libpq connection string: TCP with a password, else the unix socket (superuser)."""
        from psycopg.conninfo import make_conninfo

        if password is None:
            return make_conninfo(
                host=str(self.socket_dir), port=self.port, dbname=dbname, user=user
            )
        return make_conninfo(
            host="127.0.0.1",
            port=self.port,
            dbname=dbname,
            user=user,
            password=password,
            sslmode="disable",  # loopback only; the local server has no certificate
        )

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        """An autocommit superuser connection over the unix socket."""
        import psycopg

        return psycopg.connect(self.dsn(dbname), autocommit=True, connect_timeout=10)

    def create_role(self, user: str, password: str) -> None:
        """Create (or reset the password of) a login role that is not a superuser."""
        from psycopg import sql

        with self.connect() as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(
                sql.SQL(verb + " ROLE {} WITH LOGIN NOSUPERUSER PASSWORD {}").format(
                    sql.Identifier(user), sql.Literal(password)
                )
            )

    def create_database(
        self,
        dbname: str,
        owner: str,
        template: str | None = None,
        strategy: Literal["file_copy", "wal_log"] = "file_copy",
    ) -> None:
        """Create `dbname` owned by `owner`, optionally cloned from the database `template`.

        Cloning a small migrated database takes ~50 ms with file_copy against ~130 ms with
        wal_log (fsync off); file_copy checkpoints, so prefer wal_log on a busy durable server.
        Only the owner may connect: CONNECT is revoked from PUBLIC.
        """
        from psycopg import sql

        with self.connect() as conn:
            query = sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(dbname), sql.Identifier(owner)
            )
            if template is not None:
                keyword = sql.SQL("FILE_COPY") if strategy == "file_copy" else sql.SQL("WAL_LOG")
                query += sql.SQL(" TEMPLATE {} STRATEGY {}").format(
                    sql.Identifier(template), keyword
                )
            conn.execute(query)
            conn.execute(
                sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(
                    sql.Identifier(dbname)
                )
            )

    def create_role_and_database(self, dbname: str, user: str, password: str) -> None:
        """A login role and a database it owns; returns quietly if the database exists."""
        self.create_role(user, password)
        with self.connect() as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
            if found.fetchone():
                return
        self.create_database(dbname, user)

    def drop_database(self, dbname: str) -> None:
        """Drop `dbname`, disconnecting its sessions."""
        from psycopg import sql

        with self.connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
            )


class _PortTaken(Exception):
    """The chosen port was taken between free_port() and bind: pick another one."""


def _read_lines(path: Path) -> list[str]:
    try:
        return [line.strip() for line in path.read_text().splitlines()]
    except (FileNotFoundError, PermissionError):
        return []


def _own_private_dir(directory: Path) -> None:
    """0700 and owned by the server user: what PostgreSQL wants for data and socket dirs."""
    directory.chmod(0o700)
    identity = _server_identity()
    if identity:
        os.chown(directory, *identity)
        _check_traversable(directory, *identity)


def _check_traversable(directory: Path, uid: int, gid: int) -> None:
    """Fail clearly if the server user cannot reach `directory` through its parents."""
    for parent in directory.parents:
        mode = parent.stat()
        can = (
            mode.st_mode & stat.S_IXOTH
            or (mode.st_uid == uid and mode.st_mode & stat.S_IXUSR)
            or (mode.st_gid == gid and mode.st_mode & stat.S_IXGRP)
        )
        if not can:
            raise PostgresError(
                f"the '{OS_USER}' user cannot reach {directory}: {parent} is not traversable "
                f"(mode {stat.S_IMODE(mode.st_mode):04o}); use a directory from pg_temp_dir() "
                f"or run chmod o+x {parent}"
            )


_LIVE_SERVERS: weakref.WeakSet[PostgresServer] = weakref.WeakSet()


@atexit.register
def _stop_leftovers() -> None:
    """Never leave a postmaster behind when the interpreter exits without stopping it."""
    for server in list(_LIVE_SERVERS):
        with contextlib.suppress(Exception):
            server.stop("immediate", timeout=5.0)
