"""`pcizone drill` as a user runs it: refusals, and Ctrl-C in the middle of a failover."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


# A shell starts background jobs with SIGINT ignored, and Python then never raises
# KeyboardInterrupt; a terminal's Ctrl-C is what these tests stand for, so the child takes it.
_INTERRUPTIBLE_CLI = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler);"
    " runpy.run_module('pcizone.cli.main', run_name='__main__', alter_sys=True)"
)


def pcizone(*args: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-c", _INTERRUPTIBLE_CLI, "drill", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_prod_is_refused_without_the_flag(tmp_path: Path) -> None:
    proc = pcizone(
        "--stack", "prod", "--scenario", "db-failover", "--local", "--report-dir", str(tmp_path)
    )
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "refusing to drill prod: pass --i-understand-prod" in err
    assert "Traceback" not in err
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


@pytest.mark.postgres
@pytest.mark.usefixtures("no_postmaster_left")
def test_ctrl_c_after_the_crash_restores_the_topology_then_exits_130(tmp_path: Path) -> None:
    # A new session, signalled as a whole: a terminal's Ctrl-C reaches the drill's postmasters
    # too (they fast-shutdown), which the restore must survive.
    proc = pcizone(
        "--stack",
        "dev-alice",
        "--scenario",
        "db-failover",
        "--local",
        "--report-dir",
        str(tmp_path),
        start_new_session=True,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + 120
    for line in proc.stderr:
        seen.append(line)
        if "promote node-b: ok" in line:
            os.killpg(proc.pid, signal.SIGINT)
            break
        assert time.monotonic() < deadline, "".join(seen)
    out, err = proc.communicate(timeout=120)
    log = "".join(seen) + err

    assert proc.returncode == 130, log
    assert "restore the topology after the interrupt: ok" in log
    (report_path,) = (tmp_path / "dev-alice").glob("*-db-failover.json")
    data = json.loads(report_path.read_text())
    assert data["interrupted"] is True and data["passed"] is False
    restore = next(s for s in data["steps"] if s["name"].startswith("restore the topology"))
    assert restore["detail"]["healthy"] is True
    assert data["steps"][-1]["name"] == "tear down the drill cluster"
    assert data["steps"][-1]["outcome"] == "ok"
    assert "interrupted" in out
