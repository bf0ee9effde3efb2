"""The offline preview job: developer commands, main's plans from main's own code, one summary."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pcizone.gitops import comment
from pcizone.gitops.errors import GitOpsError
from pcizone.gitops.offline_preview import main, parse_stacks

# The base commit's own CLI (platform/pcizone/cli/main.py in the scratch repo): it marks the
# plans it writes, so the test can tell which tree's code made main's plan.
BASE_CLI = """
import json, sys
def main():
    args = sys.argv[1:]
    stack = args[args.index("--stack") + 1]
    with open(args[args.index("--json") + 1], "w") as f:
        json.dump({"stack": stack, "made_by": "MARK"}, f)
    return 0
"""

# The pull request's `pcizone` command.
PR_PCIZONE = """
import json, pathlib, sys
args = sys.argv[1:]
print("ran", " ".join(args))
if args[0] == "validate":
    print("6 stacks valid; card 4111 1111 1111 1111 in a message")
    sys.exit(0)
stack = args[args.index("--stack") + 1]
if args[0] == "preview":
    plan = {"stack": stack}
    if "--against" in args:
        plan["against"] = json.loads(pathlib.Path(args[args.index("--against") + 1]).read_text())
    pathlib.Path(args[args.index("--json") + 1]).write_text(json.dumps(plan))
    sys.exit(0)
if args[0] == "compliance":
    out = pathlib.Path(args[args.index("--out") + 1])
    passed = stack != "prod"
    (out / f"{stack}.md").write_text(f"# {stack}: {'passed' if passed else 'FAILED'}\\n")
    sys.exit(0 if passed else 1)
"""


def write_tool(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    path.chmod(0o755)
    return path


def commit(repo: Path, files: dict[str, str]) -> str:
    for relative, content in files.items():
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_text(content, encoding="utf-8")
    for args in (["add", "-A"], ["commit", "-q", "-m", "change"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, timeout=60)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
    )
    return head.stdout.strip()


@dataclass(frozen=True)
class Run:
    code: int
    out: Path
    repo: Path
    base: str
    head: str
    tools: Path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One offline preview over a two-commit history, shared by the tests that read it."""
    root = tmp_path_factory.mktemp("offline-preview")
    repo = root / "repo"
    repo.mkdir()
    for args in (
        ["init", "-q", "-b", "main"],
        ["config", "user.email", "ci@example.com"],
        ["config", "user.name", "CI"],
        ["config", "commit.gpgsign", "false"],
    ):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, timeout=60)
    common = {
        "Pulumi.yaml": "name: pcizone\n",
        "stacks/Pulumi.dev.yaml": "config: {}\n",
        "stacks/Pulumi.prod.yaml": "config: {}\n",
        "platform/pcizone/__init__.py": "",
        "platform/pcizone/cli/__init__.py": "",
    }
    base = commit(
        repo, {**common, "platform/pcizone/cli/main.py": BASE_CLI.replace("MARK", "base")}
    )
    head = commit(
        repo,
        {
            "platform/pcizone/cli/main.py": BASE_CLI.replace("MARK", "head"),
            "stacks/Pulumi.dev-new.yaml": "config: {}\n",
        },
    )
    tools = root / "bin"
    pcizone = write_tool(tools, "pcizone", PR_PCIZONE)
    out = root / "artifact"
    code = main(
        [
            "--stacks", '["dev", "prod", "dev-new"]',
            "--base", base, "--head-sha", head, "--pr-number", "42",
            "--out", str(out), "--repo", str(repo), "--pcizone", str(pcizone),
        ]
    )  # fmt: skip
    return Run(code, out, repo, base, head, tools)


def checks_of(out: Path) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in json.loads((out / "summary.json").read_text())["checks"]}


def test_summary_records_every_check_in_order(run: Run) -> None:
    summary = json.loads((run.out / "summary.json").read_text())

    assert run.code == 1  # prod's compliance report failed
    assert summary["format"] == "pcizone-preview/1"
    assert (summary["pr_number"], summary["head_sha"], summary["base_sha"]) == (
        42,
        run.head,
        run.base,
    )
    assert [(c["id"], c["exit_code"]) for c in summary["checks"]] == [
        ("validate", 0),
        ("base-plan-dev", 0),
        ("base-plan-prod", 0),
        ("base-plan-dev-new", 0),
        ("preview-dev", 0),
        ("compliance-dev", 0),
        ("preview-prod", 0),
        ("compliance-prod", 1),
        ("preview-dev-new", 0),
        ("compliance-dev-new", 0),
    ]
    new = summary["checks"][3]
    assert (new["note"], new["counts"]) == ("new stack: no base plan", False)


def test_mains_plan_comes_from_the_base_commits_own_code(run: Run) -> None:
    out = run.out
    base_plan = json.loads((out / "base-plans" / "dev.json").read_text())
    assert base_plan == {"stack": "dev", "made_by": "base"}
    # The pull request's preview was diffed against it; the new stack had nothing to diff.
    assert json.loads((out / "plans" / "dev.json").read_text())["against"] == base_plan
    assert "against" not in json.loads((out / "plans" / "dev-new.json").read_text())
    checks = checks_of(out)
    assert checks["preview-dev"]["against_base"] is True
    assert checks["preview-dev-new"]["against_base"] is False


def test_commands_are_recorded_without_machine_paths_and_logs_are_masked(run: Run) -> None:
    out = run.out
    checks = checks_of(out)
    assert checks["preview-dev"]["argv"] == [
        "pcizone", "preview", "--stack", "dev", "--json", "<out>/plans/dev.json",
        "--against", "<out>/base-plans/dev.json",
    ]  # fmt: skip
    assert checks["compliance-prod"]["report_dir"] == "compliance/prod"
    assert str(out) not in (out / "summary.json").read_text()
    assert str(run.tools) not in (out / "summary.json").read_text()
    validate_log = (out / checks["validate"]["log"]).read_text()
    assert "4111 1111" not in validate_log and "[masked card-like number ...1111]" in validate_log


def test_the_comment_renders_from_this_artifact(run: Run) -> None:
    body = comment.render(comment.load_summary(run.out))
    assert "| `pcizone compliance` | prod | ❌ mandatory policy failed |" in body
    assert "| `pcizone preview` | dev | ✅ passed (diff against main) |" in body
    assert "| `pcizone preview (main)` | dev-new | new stack: no base plan |" in body
    assert "```markdown\n# prod: FAILED\n```" in body


def test_without_a_base_there_are_no_base_plans(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "artifact"
    args = ["--stacks", '["dev"]', "--pr-number", "3", "--out", str(out)]
    code = main([*args, "--repo", str(run.repo), "--pcizone", str(run.tools / "pcizone")])
    checks = json.loads((out / "summary.json").read_text())["checks"]
    assert code == 0
    assert [c["id"] for c in checks] == ["validate", "preview-dev", "compliance-dev"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dev", "must be a JSON list of stack names"),
        ('{"dev": 1}', "must be a JSON list of stack names"),
        ('["dev", "../../etc"]', "'../../etc' is not a stack name"),
    ],
)
def test_bad_stack_lists_are_refused(text: str, message: str) -> None:
    with pytest.raises(GitOpsError, match=message):
        parse_stacks(text)


def test_a_bad_base_sha_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GitOpsError, match="--base must be a full commit SHA"):
        main(["--stacks", "[]", "--base", "HEAD~1", "--out", str(tmp_path), "--pcizone", "x"])
