"""Hostile input to the CLI found by adversarial testing: one clear line, right exit, no damage."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest
from pcizone.cli import main as cli
from pcizone.errors import EXIT_USAGE

REPO = Path(__file__).resolve().parents[2]
NOT_UTF8 = b"\xff\xfe{}"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    shutil.copytree(REPO / "stacks", root / "stacks")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def no_program_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad arguments must fail before any stack runs: running one fails the test."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a stack ran although the arguments were bad")

    monkeypatch.setattr("pcizone.offline.runner.run_stack", refuse)
    monkeypatch.setattr("pcizone.cli.preview.run_stack", refuse)


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    err = " ".join(capsys.readouterr().err.split())
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("value", ["'[/]'", "'[/bold]'", "'[red]eu-west-1'"])
def test_config_values_are_printed_as_text_not_markup(
    repo: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    (repo / "stacks" / "Pulumi.dev-alice.yaml").write_text(
        f"config:\n  aws:region: {value}\n  pcizone:owner: alice@example.com\n"
    )
    assert cli.main(["preview", "--stack", "dev-alice"]) == EXIT_USAGE
    assert (
        "error: stacks/Pulumi.dev-alice.yaml: aws:region: must be an AWS region such as"
        f" eu-west-1, got {value}"
    ) in _err(capsys)


def test_ctrl_c_says_interrupted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(_args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr("pcizone.cli.stacks.run", interrupted)
    assert cli.main(["stacks"]) == 130
    assert _err(capsys) == "error: interrupted"


def test_against_a_folder_or_binary_file(
    repo: Path, capsys: pytest.CaptureFixture[str], no_program_run: None
) -> None:
    assert cli.main(["preview", "--stack", "dev-alice", "--against", str(repo)]) == EXIT_USAGE
    assert _err(capsys) == f"error: {repo}: is a directory, not a plan file"
    binary = repo / "plan.json"
    binary.write_bytes(NOT_UTF8)
    assert cli.main(["preview", "--stack", "dev-alice", "--against", str(binary)]) == EXIT_USAGE
    assert _err(capsys) == f"error: {binary}: not a plan (not UTF-8 text)"


def test_json_into_a_folder_fails_before_work(
    repo: Path, capsys: pytest.CaptureFixture[str], no_program_run: None
) -> None:
    assert cli.main(["preview", "--stack", "dev-alice", "--json", str(repo)]) == EXIT_USAGE
    assert _err(capsys) == f"error: {repo}: is a directory; give a file name for the plan"
    blocker = repo / "afile"
    blocker.write_text("keep")
    target = blocker / "plan.json"
    assert cli.main(["preview", "--stack", "dev-alice", "--json", str(target)]) == EXIT_USAGE
    assert _err(capsys) == f"error: {target}: {blocker} is not a directory"
    assert blocker.read_text() == "keep"


def test_compliance_out_is_a_file(
    repo: Path, capsys: pytest.CaptureFixture[str], no_program_run: None
) -> None:
    out = repo / "reports"
    out.write_text("keep")
    assert cli.main(["compliance", "--stack", "dev-alice", "--out", str(out)]) == EXIT_USAGE
    assert _err(capsys) == f"error: --out {out}: is a file; give a folder for the reports"
    assert out.read_text() == "keep"


def test_compliance_policy_config_folder_or_binary(
    repo: Path, capsys: pytest.CaptureFixture[str], no_program_run: None
) -> None:
    args = ["compliance", "--stack", "dev-alice", "--out", str(repo / "out")]
    assert cli.main([*args, "--policy-config", str(repo)]) == EXIT_USAGE
    assert _err(capsys) == f"error: policy config {repo} is a directory, not a JSON file"
    binary = repo / "policy.json"
    binary.write_bytes(NOT_UTF8)
    assert cli.main([*args, "--policy-config", str(binary)]) == EXIT_USAGE
    assert _err(capsys) == f"error: {binary}: not UTF-8 text (byte 0xff)"
    assert not (repo / "out").exists()


def _precious(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "main.py").write_text("precious")
    (folder / "logs").mkdir()  # a name a local cloud also uses must not make it look like one
    return folder


def test_down_refuses_a_folder_that_is_not_a_local_cloud(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _precious(tmp_path)
    assert cli.main(["down", "--local", "--state-dir", str(folder)]) == EXIT_USAGE
    assert _err(capsys) == (
        f"error: {folder} holds src, so it is not a pcizone local cloud: refusing to use or"
        " remove it; check --state-dir"
    )
    assert (folder / "src" / "main.py").read_text() == "precious"


def test_down_on_a_file_or_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("keep")
    assert cli.main(["down", "--local", "--state-dir", str(afile)]) == EXIT_USAGE
    assert _err(capsys) == (
        f"error: {afile} is not a folder, so it is not a pcizone local cloud: refusing to use"
        " or remove it; check --state-dir"
    )
    assert afile.read_text() == "keep"
    missing = tmp_path / "missing"
    assert cli.main(["down", "--local", "--state-dir", str(missing)]) == 0
    assert capsys.readouterr().out.split() == [
        "no", "local", "cloud", "in", str(missing) + ":", "nothing", "to", "remove"
    ]  # fmt: skip
    assert not missing.exists()


def test_up_refuses_a_folder_that_is_not_a_local_cloud(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _precious(tmp_path)
    folder.chmod(0o755)
    args = ["up", "--stack", "dev-alice", "--local", "--state-dir", str(folder)]
    assert cli.main(args) == EXIT_USAGE
    assert f"error: {folder} holds src, so it is not a pcizone local cloud" in _err(capsys)
    assert sorted(p.name for p in folder.iterdir()) == ["logs", "src"]  # nothing written
    assert folder.stat().st_mode & 0o777 == 0o755  # nor its permissions changed
