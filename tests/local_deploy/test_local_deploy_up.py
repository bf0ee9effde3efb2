"""`pcizone up --local` end to end: the real stacks, the local runtime and the demo payments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pcizone.cli.main import main
from pcizone.local.deploy.handlers import HANDLERS
from pcizone.local.deploy.handlers.base import Deployed, ResourceContext
from pcizone.local.orchestrator import deploy_order
from pcizone.local.paths import LocalPaths
from pcizone.local.postgres import pg_temp_dir
from pcizone.local.scenario import TEST_CARD_NUMBER
from pcizone.local.teardown import remove_local_cloud

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def state_dir() -> Iterator[Path]:
    root = pg_temp_dir("pcizone-test-up-")
    try:
        yield root / "local"
    finally:
        remove_local_cloud(LocalPaths(root / "local"))
        root.rmdir()


def _up(stack: str, state_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(
        ["up", "--stack", stack, "--local", "--state-dir", str(state_dir), "--payments", "3"]
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _deployed(err: str) -> dict[str, str]:
    """stack -> what its deploy did, from the progress lines ("deployed dev: 104 resources (...)")."""
    found = {}
    for line in err.splitlines():
        if "deployed " in line:
            stack, rest = line.split("deployed ", 1)[1].split(": ", 1)
            found[stack] = rest.split("(", 1)[1].split(")", 1)[0]
    return found


def _files_text(root: Path) -> str:
    return "\n".join(
        path.read_text(errors="replace")
        for path in root.rglob("*")
        if path.is_file() and path.suffix in {".log", ".json"}
    )


def test_two_developers_share_one_local_cloud_and_a_rerun_changes_nothing(
    state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _up("dev-alice", state_dir, capsys)
    assert code == 0, out + err
    assert "deployed dev-alice" in err and "every expectation held" in out
    assert out.count(" held ") >= 6 and "FAILED" not in out

    code, out, err = _up("dev-bob", state_dir, capsys)
    assert code == 0, out + err
    assert "deployed dev-bob" in err and "every expectation held" in out
    paths = LocalPaths(state_dir)
    assert paths.stack_state("dev-alice").is_file() and paths.stack_state("dev-bob").is_file()

    code, out, err = _up("dev-alice", state_dir, capsys)
    assert code == 0, out + err
    assert _deployed(err) == {stack: "no changes" for stack in ("org", "dev", "dev-alice")}
    # The card number the scenario sends is refused and never written anywhere.
    assert TEST_CARD_NUMBER.replace(" ", "") not in _files_text(state_dir).replace(" ", "")

    assert main(["down", "--local", "--state-dir", str(state_dir)]) == 0
    assert not state_dir.exists()


def test_an_emulator_error_names_the_resource_and_prints_no_success(
    state_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    organization = HANDLERS["aws:organizations/organization:Organization"]

    def refuse(ctx: ResourceContext, inputs: dict[str, object]) -> Deployed:
        raise RuntimeError("the emulator refuses organizations today")

    monkeypatch.setattr(organization, "create", refuse)
    code, out, err = _up("dev-alice", state_dir, capsys)
    assert code == 1
    assert "stack org: creating aws:organizations/organization:Organization" in err
    assert "the emulator refuses organizations today" in err
    assert "local cloud up" not in out and out == ""
    # Everything was stopped and saved: the next run can take the lock at once.
    assert LocalPaths(state_dir).emulator_snapshot.is_file()


def test_missing_postgresql_names_the_package_and_starts_nothing(
    state_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PG_BIN", raising=False)
    monkeypatch.setattr("pcizone.local.postgres._has_server_binaries", lambda path: False)
    monkeypatch.setattr("shutil.which", lambda name: None)
    code, out, err = _up("dev-alice", state_dir, capsys)
    assert code == 4
    assert "install Debian's 'postgresql' package" in err
    assert out == ""
    assert not LocalPaths(state_dir).emulator_snapshot.exists()


def test_a_stack_deploys_after_the_stacks_it_reads() -> None:
    assert deploy_order("org") == ["org"]
    assert deploy_order("staging") == ["org", "staging"]
    assert deploy_order("dev-bob") == ["org", "dev", "dev-bob"]
    assert deploy_order("pr-12") == ["org", "dev", "pr-12"]


def test_up_and_down_only_act_on_the_local_cloud(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["up", "--stack", "dev-alice"]) == 2
    assert "pulumi up --stack dev-alice" in capsys.readouterr().err
    assert main(["down"]) == 2
    assert "pulumi destroy" in capsys.readouterr().err
