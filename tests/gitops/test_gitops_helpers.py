"""Small shared pieces: step outputs, the Pulumi CLI version, recorded commands, error exits."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from pcizone.gitops import pulumi_version
from pcizone.gitops.errors import EXIT_TOOL, GitOpsError, run_main
from pcizone.gitops.github_output import write_outputs
from pcizone.gitops.recorded import EXIT_TIMEOUT, run_recorded

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_step_outputs_are_appended_one_per_line(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("earlier=1\n")
    write_outputs(target, {"stacks": '["dev"]', "deploy": "{}"})
    assert target.read_text() == 'earlier=1\nstacks=["dev"]\ndeploy={}\n'


@pytest.mark.parametrize(("name", "value"), [("a", "two\nlines"), ("a=b", "x")])
def test_step_outputs_refuse_what_would_inject_another_output(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(GitOpsError, match="must be a single line"):
        write_outputs(tmp_path / "out", {name: value})
    assert not (tmp_path / "out").exists()


def test_the_cli_version_is_the_installed_sdk_version(tmp_path: Path) -> None:
    target = tmp_path / "out"
    assert pulumi_version.main(["--github-output", str(target)]) == 0
    assert target.read_text() == f"pulumi-version={metadata.version('pulumi')}\n"


def test_helper_errors_print_one_line_and_exit_with_their_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken(argv: list[str] | None) -> int:
        raise GitOpsError("pulumi: not found", EXIT_TOOL)

    assert run_main(broken) == EXIT_TOOL
    assert capsys.readouterr().err == "error: pulumi: not found\n"


def test_recorded_commands_keep_code_time_and_masked_output(tmp_path: Path, make_tool: Any) -> None:
    tool = make_tool(
        "noisy", "import sys\nprint('pan 4111111111111111', flush=True)\nsys.exit(3)\n"
    )
    result = run_recorded([str(tool)], tmp_path / "logs" / "noisy.log", echo=False)
    assert (result.exit_code, result.ok) == (3, False)
    assert result.log.read_text() == "pan [masked card-like number ...1111]\n"
    assert result.seconds > 0


def test_a_command_past_its_timeout_is_stopped(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import time; print('started', flush=True); time.sleep(30)"]
    result = run_recorded(argv, tmp_path / "slow.log", timeout=0.5, echo=False)
    assert result.exit_code == EXIT_TIMEOUT
    assert result.seconds < 10
    assert result.log.read_text() == "started\n[pcizone.gitops: stopped after 0.5 s]\n"


def test_a_missing_command_is_a_tool_error(tmp_path: Path) -> None:
    with pytest.raises(GitOpsError, match="no-such-tool: command not found") as caught:
        run_recorded(["no-such-tool"], tmp_path / "x.log", echo=False)
    assert caught.value.exit_code == EXIT_TOOL


def test_the_write_token_jobs_import_only_the_standard_library() -> None:
    # publish (and what it imports) runs uninstalled from the checkout in the jobs that hold a
    # write token; a third-party import there would break them, or need an install.
    code = (
        "import sys; sys.path.insert(0, 'platform'); import pcizone.gitops.publish; "
        "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],  # -S: no site-packages at all
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded = set(result.stdout.split())
    assert "pcizone" in loaded
    assert loaded - set(sys.stdlib_module_names) - {"pcizone", "__main__"} == set()
