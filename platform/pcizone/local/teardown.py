"""Remove a local cloud: stop a PostgreSQL an interrupted run left behind, delete the folder."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from pathlib import Path

from pcizone.errors import EXIT_USAGE, UserError
from pcizone.local.lock import LocalCloudLock
from pcizone.local.paths import LocalPaths

_STOP_TIMEOUT_SECONDS = 10.0
_POLL_SECONDS = 0.05


def remove_local_cloud(paths: LocalPaths) -> bool:
    """Delete `paths.root`; False if there was nothing to delete."""
    if not paths.root.exists():
        return False
    refuse_foreign_folder(paths)
    with LocalCloudLock(paths.root):
        stop_leftover_postgres(paths.postgres / "data", signal.SIGQUIT)  # data goes anyway
        shutil.rmtree(paths.root)
    return True


def refuse_foreign_folder(paths: LocalPaths) -> None:
    """A UserError if `paths.root` holds anything a local cloud does not write."""
    foreign = paths.foreign_entries()
    if foreign:
        what = "is not a folder" if not paths.root.is_dir() else f"holds {_listed(foreign)}"
        raise UserError(
            f"{paths.root} {what}, so it is not a pcizone local cloud: refusing to use or"
            " remove it; check --state-dir",
            EXIT_USAGE,
        )


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def stop_leftover_postgres(data_dir: Path, how: signal.Signals = signal.SIGINT) -> int | None:
    """Stop the postmaster a run killed hard (SIGKILL) left serving `data_dir`; its pid, or None.

    Only call with the local cloud's lock held: the lock proves no run is active, so such a
    postmaster is a leftover. SIGINT is PostgreSQL's fast shutdown (the data is kept); if it
    is still running after the timeout it gets SIGQUIT (immediate, recovered at next start).
    """
    pid = _postmaster_pid(data_dir)
    if pid is None:
        return None
    for sig in dict.fromkeys((how, signal.SIGQUIT)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + _STOP_TIMEOUT_SECONDS
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(_POLL_SECONDS)
        if not _alive(pid):
            break
    return pid


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
