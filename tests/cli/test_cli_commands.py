"""The CLI: exit codes, one-paragraph errors, plans and diffs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pcizone.cli import main as cli
from pcizone.errors import EXIT_PROGRAM, EXIT_USAGE

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(REPO / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copytree(REPO / "stacks", tmp_path / "stacks")
    (tmp_path / "platform").mkdir()
    shutil.copy(REPO / "platform" / "__main__.py", tmp_path / "platform" / "__main__.py")
    (tmp_path / "services").symlink_to(REPO / "services")  # the Lambda code the program packages
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_command_is_registered() -> None:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == {  # type: ignore[arg-type]
        "stacks", "validate", "preview", "compliance", "up", "down", "drill",
    }  # fmt: skip


def test_unknown_stack_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["preview", "--stack", "qa"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "unknown stack name 'qa': allowed stack names are org;" in err
    assert "Traceback" not in err


def test_missing_config_file(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["preview", "--stack", "dev-carol"]) == EXIT_USAGE
    assert "stacks/Pulumi.dev-carol.yaml: file not found" in capsys.readouterr().err


def test_invalid_config_names_file_and_key(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / "stacks" / "Pulumi.dev-alice.yaml"
    path.write_text(path.read_text().replace("maxReceiveCount: 3", "maxReceiveCount: 0"))
    assert cli.main(["preview", "--stack", "dev-alice"]) == EXIT_USAGE
    err = " ".join(capsys.readouterr().err.split())
    assert (
        "stacks/Pulumi.dev-alice.yaml: pcizone:payments.queue.maxReceiveCount:"
        " must be between 1 and 1000, got 0"
    ) in err


def test_validate_reports_every_invalid_stack(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "stacks" / "Pulumi.dev-carol.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    assert cli.main(["validate", "--no-policy"]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert "stacks/Pulumi.dev-carol.yaml: pcizone:owner: is required but missing" in " ".join(
        captured.err.split()
    )
    assert "dev-alice" in captured.out  # the valid stacks were still previewed


def test_program_exception_names_resource_and_cause(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import pulumi
    from pcizone import program
    from pcizone.config.stack_names import StackKind

    class Broken(pulumi.ComponentResource):
        def __init__(self, resource_name: str) -> None:
            super().__init__("pcizone:test:Broken", resource_name)
            raise RuntimeError("the KMS key alias is already taken")

    real = program.builders

    def builders() -> dict[StackKind, object]:
        # The referenced org and dev stacks build normally; the developer stack raises.
        return {**real(), StackKind.DEVELOPER: lambda ctx: Broken("payments-keys")}

    monkeypatch.setattr(program, "builders", builders)
    assert cli.main(["preview", "--stack", "dev-alice"]) == EXIT_PROGRAM
    err = " ".join(capsys.readouterr().err.split())
    assert "stack dev-alice: the program failed while declaring resource 'payments-keys'" in err
    assert "(pcizone:test:Broken)" in err
    assert "RuntimeError: the KMS key alias is already taken" in err
    assert "Traceback" not in err


def test_preview_json_is_deterministic_and_diffable(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = repo / "a.json", repo / "b.json"
    cli.main(["preview", "--stack", "dev-alice", "--quiet", "--json", str(first)])
    cli.main(["preview", "--stack", "dev-alice", "--quiet", "--json", str(second)])
    assert first.read_bytes() == second.read_bytes()
    plan = json.loads(first.read_text())
    assert plan["stack"] == "dev-alice" and plan["kind"] == "developer"
    capsys.readouterr()
    # A changed setting shows up as an update of the changed property path.
    path = repo / "stacks" / "Pulumi.dev-alice.yaml"
    path.write_text(
        path.read_text().replace(
            "reservedConcurrency: 5, throttling", "reservedConcurrency: 6, throttling"
        )
    )
    cli.main(["preview", "--stack", "dev-alice", "--quiet", "--against", str(first)])
    out = " ".join(capsys.readouterr().out.split())
    assert "Diff against saved plan: 0 to create, 1 to update, 0 to replace, 0 to delete" in out
    assert "reservedConcurrentExecutions" in out


def test_against_a_broken_plan_fails_before_work(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = repo / "bad.json"
    bad.write_text("{not json")
    assert cli.main(["preview", "--stack", "dev-alice", "--against", str(bad)]) == EXIT_USAGE
    assert "bad.json: not a plan (invalid JSON at line 1" in capsys.readouterr().err


def test_stacks_json(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["stacks", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["stack"] for r in rows] == ["org", "dev", "staging", "prod", "dev-alice", "dev-bob"]
    prod = rows[3]
    assert prod == {
        "stack": "prod", "kind": "stage", "stage": "prod", "account": "pcizone-prod",
        "region": "eu-west-1", "drRegion": "eu-central-1",
    }  # fmt: skip
