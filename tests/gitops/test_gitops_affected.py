"""Changed paths -> affected stacks, and the JSON the workflows build their matrices from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pcizone.gitops.affected import (
    Scope,
    affected_stacks,
    classify,
    cloud_matrix,
    deploy_flags,
    main,
)
from pcizone.gitops.errors import GitOpsError

EXISTING = ["org", "dev", "staging", "prod", "dev-alice", "dev-bob"]


@pytest.mark.parametrize(
    ("path", "scope", "stack"),
    [
        ("stacks/Pulumi.prod.yaml", Scope.STACK, "prod"),
        ("stacks/Pulumi.dev-alice.yaml", Scope.STACK, "dev-alice"),
        ("stacks/README.md", Scope.NONE, None),
        ("stacks/shared-settings.yaml", Scope.ALL, None),
        ("Pulumi.yaml", Scope.ALL, None),
        ("pyproject.toml", Scope.ALL, None),
        ("platform/__main__.py", Scope.ALL, None),
        ("platform/policypack/__main__.py", Scope.ALL, None),
        ("platform/pcizone/network/vpc.py", Scope.ALL, None),
        ("platform/pcizone/gitops/comment.py", Scope.NONE, None),
        ("services/payments/payments/worker.py", Scope.PAYMENTS, None),
        ("services/payments/migrations/0001_ledger.sql", Scope.PAYMENTS, None),
        ("services/payments/tests/test_worker.py", Scope.NONE, None),
        (".github/workflows/deploy.yml", Scope.NONE, None),
        ("docs/gitops.md", Scope.NONE, None),
        ("tests/gitops/test_gitops_affected.py", Scope.NONE, None),
        ("README.md", Scope.NONE, None),
        ("Makefile", Scope.NONE, None),
        ("SECURITY.md", Scope.NONE, None),
        ("tools/new-thing.py", Scope.ALL, None),
    ],
)
def test_each_path_has_one_documented_impact(path: str, scope: Scope, stack: str | None) -> None:
    impact = classify(path)
    assert (impact.scope, impact.stack) == (scope, stack)


def test_a_stack_config_change_affects_only_that_stack() -> None:
    assert affected_stacks(["stacks/Pulumi.staging.yaml"], EXISTING) == ["staging"]


def test_platform_code_affects_every_stack_in_listing_order() -> None:
    assert affected_stacks(["platform/pcizone/data/aurora.py"], EXISTING) == EXISTING


def test_payments_code_affects_the_stacks_that_run_payments() -> None:
    paths = ["services/payments/payments/api.py"]
    assert affected_stacks(paths, EXISTING) == ["staging", "prod", "dev-alice", "dev-bob"]


def test_docs_and_ci_changes_affect_nothing() -> None:
    paths = ["docs/gitops.md", ".github/workflows/ci.yml", "tests/conftest.py"]
    assert affected_stacks(paths, EXISTING) == []


def test_impacts_combine_without_duplicates() -> None:
    paths = [
        "stacks/Pulumi.dev.yaml",
        "services/payments/payments/api.py",
        "stacks/Pulumi.dev.yaml",
    ]
    assert affected_stacks(paths, EXISTING) == ["dev", "staging", "prod", "dev-alice", "dev-bob"]


def test_deleted_and_badly_named_stack_files_are_not_previewed() -> None:
    # dev-carol's file was deleted (not in the listing); "Prod" is not a valid stack name.
    existing = [*EXISTING, "Prod"]
    paths = ["stacks/Pulumi.dev-carol.yaml", "stacks/Pulumi.Prod.yaml"]
    assert affected_stacks(paths, existing) == []
    assert affected_stacks(["Pulumi.yaml"], existing) == EXISTING


def test_cloud_matrix_has_org_and_stage_stacks_with_their_accounts() -> None:
    assert cloud_matrix(["org", "prod", "dev-alice", "pr-12"]) == [
        {"stack": "org", "account": "org"},
        {"stack": "prod", "account": "prod"},
    ]


def test_deploy_flags_name_every_deployable_stack() -> None:
    assert deploy_flags(["staging", "dev-bob"]) == {
        "org": False,
        "dev": False,
        "staging": True,
        "prod": False,
    }


# The command, against a real git history --------------------------------------------------

STACK_FILES = {
    "Pulumi.yaml": "name: pcizone\nruntime: python\n",
    **{f"stacks/Pulumi.{s}.yaml": f"config:\n  aws:region: eu-west-1  # {s}\n" for s in EXISTING},
    "README.md": "# pcizone\n",
}


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(args)
    out = capsys.readouterr().out
    return code, json.loads(out) if code == 0 else {}


def test_command_diffs_from_the_merge_base_and_writes_step_outputs(
    git_repo: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = git_repo.commit(STACK_FILES)
    git_repo.commit({"stacks/Pulumi.prod.yaml": "config:\n  aws:region: eu-central-1\n"})
    head = git_repo.commit({"docs/notes.md": "notes\n"})
    outputs = tmp_path / "github_output"

    args = ["--repo", str(git_repo.path), "--base", base, "--head", head]
    code, printed = run_main([*args, "--github-output", str(outputs)], capsys)

    assert code == 0
    assert printed["stacks"] == ["prod"]
    assert printed["cloud"] == [{"stack": "prod", "account": "prod"}]
    assert printed["deploy"] == {"org": False, "dev": False, "staging": False, "prod": True}
    assert outputs.read_text().splitlines() == [
        'stacks=["prod"]',
        'cloud=[{"stack":"prod","account":"prod"}]',
        'deploy={"org":false,"dev":false,"staging":false,"prod":true}',
    ]


def test_command_without_base_affects_every_stack(
    git_repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    git_repo.commit(STACK_FILES)
    for base in ("", "0" * 40):
        code, printed = run_main(["--repo", str(git_repo.path), "--base", base], capsys)
        assert code == 0
        assert printed["stacks"] == EXISTING


def test_command_with_an_unknown_base_commit_affects_every_stack(
    git_repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    head = git_repo.commit(STACK_FILES)
    missing = "1" * 40  # force-pushed away, never fetched
    code = main(["--repo", str(git_repo.path), "--base", missing, "--head", head])
    captured = capsys.readouterr()
    assert code == 0
    assert json.loads(captured.out)["stacks"] == EXISTING
    assert "every stack counts as affected" in captured.err


def test_command_rejects_a_malformed_sha(git_repo: Any) -> None:
    git_repo.commit(STACK_FILES)
    with pytest.raises(GitOpsError, match="--base must be a full commit SHA"):
        main(["--repo", str(git_repo.path), "--base", "main; rm -rf /", "--head", "HEAD"])
