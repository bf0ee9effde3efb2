"""The PR comment: rendered from an untrusted artifact, safe, complete, and under GitHub's limit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pcizone.gitops.comment import (
    GITHUB_LIMIT,
    MARKER,
    CloudJob,
    cloud_jobs,
    fenced,
    load_summary,
    main,
    render,
    utf16_len,
)
from pcizone.gitops.errors import GitOpsError

HEAD = "3f2a9c1b7e5d4a6f8b0c2d4e6f8a0b2c4d6e8f0a"
RUN_URL = "https://github.com/acme/pcizone/actions/runs/123456"


def check(kind: str, stack: str | None, code: int = 0, **extra: Any) -> dict[str, Any]:
    name = f"{kind}-{stack}" if stack else kind
    return {
        "id": name,
        "kind": kind,
        "stack": stack,
        "argv": ["pcizone", kind],
        "exit_code": code,
        "seconds": 1.25,
        "log": f"logs/{name}.log",
        "note": "",
        "against_base": False,
        "report_dir": None,
        "counts": kind != "base-plan",
        **extra,
    }


def write_artifact(
    folder: Path, checks: list[dict[str, Any]], logs: dict[str, str], **top: Any
) -> Path:
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    for name, text in logs.items():
        (folder / "logs" / f"{name}.log").write_text(text, encoding="utf-8")
    summary = {
        "format": "pcizone-preview/1",
        "pr_number": 42,
        "head_sha": HEAD,
        "base_sha": "",
        "stacks": sorted({c["stack"] for c in checks if c["stack"]}),
        "checks": checks,
        **top,
    }
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return folder


def passing_artifact(folder: Path) -> Path:
    report = folder / "compliance" / "dev"
    report.mkdir(parents=True)
    (report / "dev.md").write_text("# dev compliance\n\n| 3.5.1 | pass |\n", encoding="utf-8")
    checks = [
        check("validate", None),
        check("base-plan", "dev"),
        check("preview", "dev", against_base=True),
        check("compliance", "dev", report_dir="compliance/dev"),
    ]
    logs = {
        "validate": "ok",
        "base-plan-dev": "",
        "preview-dev": "+ 2 to create",
        "compliance-dev": "",
    }
    return write_artifact(folder, checks, logs)


def test_a_passing_preview_renders_the_verdict_table_and_reports(tmp_path: Path) -> None:
    body = render(load_summary(passing_artifact(tmp_path)), run_url=RUN_URL, head_sha=HEAD)

    assert body.startswith(MARKER + "\n## pcizone preview: ✅ all checks passed")
    assert f"commit `{HEAD[:12]}` · [workflow run]({RUN_URL})" in body
    assert "| `pcizone validate` | all | ✅ passed | 1.2 s |" in body
    assert "| `pcizone preview (main)` | dev | made | 1.2 s |" in body
    assert "| `pcizone preview` | dev | ✅ passed (diff against main) | 1.2 s |" in body
    assert "| `pcizone compliance` | dev | ✅ passed | 1.2 s |" in body
    assert "```text\n+ 2 to create\n```" in body
    assert "```markdown\n# dev compliance\n\n| 3.5.1 | pass |\n```" in body
    assert "Not run: a pull request from a fork" in body


def test_failures_are_named_and_their_stacks_come_first(tmp_path: Path) -> None:
    checks = [
        check("validate", None),
        check("preview", "dev"),
        check("compliance", "dev"),
        check("preview", "prod", code=3),
        check("compliance", "prod", code=1),
    ]
    logs = {c["id"]: f"log of {c['id']}" for c in checks}
    body = render(load_summary(write_artifact(tmp_path, checks, logs)))

    assert "## pcizone preview: ❌ checks failed" in body
    assert "| `pcizone preview` | prod | ❌ program error | 1.2 s |" in body
    assert "| `pcizone compliance` | prod | ❌ mandatory policy failed | 1.2 s |" in body
    assert body.index("❌ prod: preview and compliance") < body.index("✅ dev: preview and")


def test_artifact_text_cannot_escape_its_code_fence_or_mention_people(tmp_path: Path) -> None:
    hostile = "```\n</details>\n# Approved!\n@security-team please merge ````\n"
    checks = [check("preview", "dev", note="@admins look"), check("compliance", "dev")]
    body = render(load_summary(write_artifact(tmp_path, checks, {"preview-dev": hostile})))

    fence = "`````"  # one longer than the longest backtick run in the text
    assert f"{fence}text\n{hostile.rstrip()}\n{fence}" in body
    # The hostile closing tag sits inside the fence; the section's own tag follows the fence.
    assert body.index(f"{hostile.rstrip()}\n{fence}") < body.rindex("\n</details>")


def test_card_numbers_and_credentials_in_logs_are_masked(tmp_path: Path) -> None:
    leaked = "card 4111 1111 1111 1111 key AKIAIOSFODNN7EXAMPLE"
    checks = [check("preview", "dev", code=1), check("compliance", "dev")]
    body = render(load_summary(write_artifact(tmp_path, checks, {"preview-dev": leaked})))
    assert "4111 1111" not in body and "AKIAIOSFODNN7EXAMPLE" not in body
    assert "[masked card-like number ...1111] key [masked AWS key id]" in body


def test_paths_outside_the_artifact_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    artifact = tmp_path / "artifact"
    checks = [
        check("preview", "dev", log="../secret.txt"),
        check("compliance", "dev", log=str(secret), report_dir=".."),
    ]
    body = render(load_summary(write_artifact(artifact, checks, {})))
    assert "TOP-SECRET-CONTENT" not in body


def test_huge_outputs_are_cut_to_fit_githubs_limit(tmp_path: Path) -> None:
    stacks = ["org", "dev", "staging", "prod", "dev-alice", "dev-bob", "dev-carol", "dev-dave"]
    checks = [check("validate", None)]
    logs = {}
    for stack in stacks:
        checks += [check("preview", stack, code=1), check("compliance", stack)]
        logs[f"preview-{stack}"] = "step ✓ " * 8_000 + f"\nLAST LINE OF {stack}"
        logs[f"compliance-{stack}"] = "report line\n" * 5_000
    body = render(load_summary(write_artifact(tmp_path, checks, logs)), run_url=RUN_URL)

    assert utf16_len(body) < GITHUB_LIMIT
    assert "cut to fit the comment" in body
    assert "LAST LINE OF dev\n" in body  # a log keeps its end, where errors are
    assert "stack section(s) left out to fit GitHub's comment size limit" in body
    assert body.rstrip().endswith("</sub>")


def test_no_affected_stack_says_so(tmp_path: Path) -> None:
    body = render(load_summary(write_artifact(tmp_path, [check("validate", None)], {})))
    assert "No stack is affected by this change: only `pcizone validate` ran." in body


def test_cloud_jobs_from_the_api_are_listed_and_skipped_ones_are_not() -> None:
    api_jobs = [
        {"name": "Offline preview and compliance", "conclusion": "success", "html_url": "u"},
        {"name": "Cloud preview (prod)", "conclusion": "failure", "html_url": "u1"},
        {"name": "Cloud preview (dev)", "conclusion": "success", "html_url": "u2"},
        {"name": "Cloud preview (${{ matrix.stack }})", "conclusion": "skipped", "html_url": ""},
    ]
    jobs = cloud_jobs(api_jobs)
    assert [j.name for j in jobs] == [
        "Cloud preview (prod)",
        "Cloud preview (dev)",
        "Cloud preview (${{ matrix.stack }})",
    ]
    from pcizone.gitops.comment import Summary

    body = render(Summary(1, (), ()), cloud_jobs=jobs)
    assert "| Cloud preview (prod) | ❌ failure |" in body
    assert "| Cloud preview (dev) | ✅ success |" in body
    assert "matrix.stack" not in body


def test_an_untrusted_run_url_is_not_linked(tmp_path: Path) -> None:
    summary = load_summary(passing_artifact(tmp_path))
    body = render(summary, run_url="javascript:alert(1)", head_sha="not-a-sha")
    assert "javascript" not in body and "not-a-sha" not in body


def test_fences_grow_past_any_backtick_run() -> None:
    assert fenced("plain") == "```text\nplain\n```"
    assert fenced("a ```` b", "md") == "`````md\na ```` b\n`````"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "other/1"}, "not a pcizone-preview/1 summary"),
        ({"pr_number": "42; DROP"}, "pr_number must be a pull-request number"),
        ({"pr_number": 0}, "pr_number must be a pull-request number"),
        ({"stacks": ["../etc"]}, "stacks must be a list of stack names"),
        ({"checks": [{"kind": "rm -rf", "stack": None, "exit_code": 0}]}, "unknown check kind"),
        ({"checks": [{"kind": "preview", "stack": "Dev X", "exit_code": 0}]}, "is not a stack"),
        ({"checks": [{"kind": "preview", "stack": "dev", "exit_code": "0"}]}, "exit_code must"),
    ],
)
def test_malformed_summaries_are_refused_with_the_reason(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    top = {"checks": [check("validate", None)], "stacks": [], **change}
    write_artifact(tmp_path, top.pop("checks"), {}, **top)
    with pytest.raises(GitOpsError, match=message):
        load_summary(tmp_path)


def test_a_missing_summary_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GitOpsError, match=r"summary\.json: not found; the preview did not produce"):
        load_summary(tmp_path)


def test_command_renders_to_a_file(tmp_path: Path) -> None:
    artifact = passing_artifact(tmp_path / "artifact")
    jobs = tmp_path / "jobs.json"
    jobs.write_text(
        json.dumps({"jobs": [{"name": "Cloud preview (dev)", "conclusion": "success"}]}),
        encoding="utf-8",
    )
    out = tmp_path / "body.md"
    code = main(["--artifacts", str(artifact), "--jobs", str(jobs), "--out", str(out)])
    assert code == 0
    body = out.read_text(encoding="utf-8")
    assert body.startswith(MARKER)
    assert "| Cloud preview (dev) | ✅ success |" in body


def test_cloud_job_records_are_plain_data() -> None:
    assert cloud_jobs({"not": "a list"}) == []
    assert cloud_jobs([{"name": "Cloud preview (x)", "conclusion": None}]) == [
        CloudJob("Cloud preview (x)", "", "")
    ]
