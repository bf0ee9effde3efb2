"""Remove a local cloud: stop a PostgreSQL an interrupted run left behind, delete the folder."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from pathlib import Path

from pcizone.local.lock import LocalCloudLock
from pcizone.local.paths import LocalPaths

_STOP_TIMEOUT_SECONDS = 10.0
_POLL_SECONDS = 0.05


def remove_local_cloud(paths: LocalPaths) -> bool:
    """Delete `paths.root`; False if there was nothing to delete."""
    if not paths.root.exists():
        return False
    with LocalCloudLock(paths.root):
        _stop_leftover_postgres(paths.postgres / "data")
        shutil.rmtree(paths.root)
    return True


def _stop_leftover_postgres(data_dir: Path) -> None:
    """A run killed hard (SIGKILL) cannot stop its postmaster; the lock proves no run is
    active, so a postmaster still serving this data directory is that run's leftover."""
    pid = _postmaster_pid(data_dir)
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGQUIT)  # immediate shutdown: the data is being deleted anyway
    deadline = time.monotonic() + _STOP_TIMEOUT_SECONDS
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(_POLL_SECONDS)


def _postmaster_pid(data_dir: Path) -> int | None:
    try:
        first = (data_dir / "postmaster.pid").read_text().splitlines()[0].strip()
        pid = int(first)
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError, IndexError):
        return None
    # Only a postgres process serving exactly this directory (a reused pid is left alone).
    if command and command[0].endswith(b"postgres") and os.fsencode(data_dir) in command:
        return pid
    return None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rfind(")") + 2 :].split()[0] not in {"Z", "X"}
