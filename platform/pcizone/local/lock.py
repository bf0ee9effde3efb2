"""One user of a local cloud at a time: `up` and `down` hold an exclusive lock on its folder."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import IO

from pcizone.errors import EXIT_ENVIRONMENT, UserError


class LocalCloudBusy(UserError):
    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_ENVIRONMENT)


class LocalCloudLock:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        handle = (self.root / "lock").open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise LocalCloudBusy(
                f"the local cloud in {self.root} is in use by {holder}; "
                "stop it (Ctrl-C) or wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pcizone (pid {os.getpid()})\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    def __enter__(self) -> LocalCloudLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
