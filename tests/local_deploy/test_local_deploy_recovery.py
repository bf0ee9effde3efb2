"""The local cloud recovers from what a killed run or a damaged disk leaves behind."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pcizone.local.local_cloud import LocalCloud
from pcizone.local.paths import LocalPaths

from .conftest import CLOUD_STACK, PROGRAMS, REGION, deploy_payments_like

pytestmark = pytest.mark.postgres
STACK = CLOUD_STACK
STATE = f"stacks/{STACK}.json"

# Starts the local cloud, says so, then waits to be killed (as `pcizone up` under SIGKILL).
_KILLED_RUN = """
import sys, time
from pathlib import Path
from pcizone.local.local_cloud import LocalCloud
from pcizone.local.paths import LocalPaths
cloud = LocalCloud(LocalPaths(Path(sys.argv[1])), repo_root=Path(sys.argv[2]), region=sys.argv[3])
cloud.start()
print(cloud.postgres.port, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2 :].split()[0] not in {"Z", "X"}


def test_a_run_killed_hard_leaves_postgres_running_and_the_next_run_stops_it(
    paths: LocalPaths,
) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _KILLED_RUN, str(paths.root), str(PROGRAMS), REGION],
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip().isdigit()
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
    pid_file = paths.postgres / "data" / "postmaster.pid"
    leftover = int(pid_file.read_text().splitlines()[0])
    assert _alive(leftover)  # the killed run could not stop it

    with LocalCloud(paths, repo_root=PROGRAMS, region=REGION) as cloud:
        assert f"stopped PostgreSQL (pid {leftover}) left running by an interrupted run" in (
            cloud.notes
        )
        assert not _alive(leftover)
        assert int(pid_file.read_text().splitlines()[0]) == cloud.postgres.pid
        assert deploy_payments_like(cloud).counts()["create"] > 0


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda text: text[: len(text) // 2], id="truncated"),
        pytest.param(lambda _text: "", id="empty"),
        pytest.param(lambda _text: "[]", id="a list"),
        pytest.param(
            lambda text: json.dumps({**json.loads(text), "resources": [{"urn": "x"}]}),
            id="a malformed resource",
        ),
    ],
)
def test_a_damaged_deploy_state_resets_the_cloud_with_a_note(
    paths: LocalPaths, damage: object
) -> None:
    with LocalCloud(paths, repo_root=PROGRAMS, region=REGION) as first:
        created = deploy_payments_like(first)
    state = paths.stack_state(STACK)
    state.write_text(damage(state.read_text()))  # type: ignore[operator]

    with LocalCloud(paths, repo_root=PROGRAMS, region=REGION) as second:
        assert second.previous_generation is None
        assert (
            f"deploy state {STATE} cannot be read (a damaged file?): starting an empty local cloud"
            in second.notes
        )
        assert second.aws.client("sqs").list_queues().get("QueueUrls", []) == []
        again = deploy_payments_like(second)
        assert again.counts()["create"] == len(again.resources) == len(created.resources)


def test_a_damaged_state_without_a_snapshot_is_not_trusted(paths: LocalPaths) -> None:
    """A run killed before its first save leaves states but no emulator snapshot."""
    paths.stacks.mkdir(parents=True)
    paths.stack_state(STACK).write_text('{"format": 1, "stack": "clo')
    with LocalCloud(paths, repo_root=PROGRAMS, region=REGION) as cloud:
        assert any(STATE in note and "cannot be read" in note for note in cloud.notes)
        assert not paths.stack_state(STACK).exists()
        result = deploy_payments_like(cloud)
        assert result.counts()["create"] == len(result.resources)
