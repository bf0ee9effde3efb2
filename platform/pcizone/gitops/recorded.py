"""Runs a developer command (pcizone, pulumi) and records what happened, for reports.

Output (stdout and stderr merged) is masked line by line, streamed to this process's stdout so
a long `pulumi destroy` shows progress in the job log, and written to a log file. The result
keeps the command line, exit code and duration. Standard library only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pcizone.gitops.errors import EXIT_TOOL, GitOpsError
from pcizone.gitops.redact import redact

EXIT_TIMEOUT = 124  # what coreutils' timeout uses, so readers recognise it


@dataclass(frozen=True)
class Recorded:
    argv: tuple[str, ...]
    exit_code: int
    seconds: float
    log: Path

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def run_recorded(
    argv: Sequence[str],
    log: Path,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 3600,
    echo: bool = True,
) -> Recorded:
    """Runs argv; its masked output goes to `log` (and stdout when `echo`)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if echo:
        print(f"$ {' '.join(argv)}", flush=True)
    try:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
    except FileNotFoundError:
        raise GitOpsError(f"{argv[0]}: command not found (is it installed?)", EXIT_TOOL) from None
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        process.kill()

    timer = threading.Timer(timeout, stop)
    timer.start()
    stream = process.stdout
    assert stream is not None  # set by stdout=PIPE
    try:
        with stream, log.open("w", encoding="utf-8") as sink:
            for raw in stream:
                line = redact(raw.decode("utf-8", errors="replace"))
                sink.write(line)
                if echo:
                    sys.stdout.write(line)
            code = process.wait()
            if timed_out.is_set():
                code = EXIT_TIMEOUT
                sink.write(f"[pcizone.gitops: stopped after {timeout:g} s]\n")
    finally:
        timer.cancel()
        if process.poll() is None:  # interrupted while reading: leave no orphan behind
            process.kill()
            process.wait()
    seconds = time.monotonic() - started
    if echo:
        print(f"[exit {code} after {seconds:.1f} s]", flush=True)
    return Recorded(tuple(argv), code, seconds, log)


def tool_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment plus `extra`, for child commands."""
    env = dict(os.environ)
    env.update(extra or {})
    return env
