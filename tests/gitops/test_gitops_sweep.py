"""The review-stack sweeper: which stacks are stale, and that nothing else is ever destroyed."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pcizone.gitops.errors import GitOpsError
from pcizone.gitops.pulumi_stacks import destroy_review_stack, parse_listing
from pcizone.gitops.sweep import Decision, decide, main

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)

# `pulumi stack ls --json` output for a self-managed backend, as the sweeper reads it.
LISTING = [
    {
        "name": "prod",
        "current": False,
        "lastUpdate": "2025-01-01T00:00:00.000Z",
        "resourceCount": 210,
    },
    {"name": "dev-alice", "current": False, "lastUpdate": "2025-06-01T09:30:00.000Z"},
    {
        "name": "pr-7",
        "current": False,
        "lastUpdate": "2026-03-01T08:00:00.000Z",
        "resourceCount": 31,
    },
    {"name": "pr-8", "current": False, "lastUpdate": "2026-03-14T23:00:00Z", "resourceCount": 31},
    {
        "name": "pr-9",
        "current": False,
        "lastUpdate": "2026-02-01T08:00:00Z",
        "updateInProgress": True,
    },
    {"name": "pr-10", "current": False},
    {"name": "organization/pcizone/pr-11", "lastUpdate": "2026-01-02T03:04:05.123+00:00"},
    {"name": "organization/other-project/pr-12", "lastUpdate": "2020-01-01T00:00:00Z"},
]


def decisions(days: int = 7) -> list[Decision]:
    return decide(parse_listing(json.dumps(LISTING)), now=NOW, older_than_days=days)


def test_only_review_stacks_older_than_the_limit_are_removed() -> None:
    assert decisions() == [
        Decision("pr-7", True, "last updated 14.2 days ago"),
        Decision("pr-8", False, "last updated 0.5 days ago"),
        Decision("pr-9", False, "an update is in progress"),
        Decision("pr-10", False, "last update unknown"),
        Decision("pr-11", True, "last updated 72.4 days ago"),
    ]


def test_a_longer_limit_keeps_more() -> None:
    assert [d.stack for d in decisions(days=30) if d.remove] == ["pr-11"]


def test_stage_and_developer_stacks_cannot_be_destroyed_by_the_sweeper_helper(
    tmp_path: Path,
) -> None:
    for name in ("prod", "dev-alice", "pr-0", "pr-12; rm -rf /"):
        with pytest.raises(GitOpsError, match="only review stacks"):
            destroy_review_stack(name, "pulumi", tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ('{"name": "pr-1"}', "expected a JSON list"),
        ('[{"lastUpdate": "2026-01-01"}]', "entry 0 has no stack name"),
        ('[{"name": "pr-1", "lastUpdate": "yesterday"}]', "is not an ISO 8601 timestamp"),
    ],
)
def test_a_bad_listing_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(GitOpsError, match=message):
        parse_listing(text)


def test_dry_run_from_a_file_only_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "stacks.json"
    listing.write_text(json.dumps(LISTING), encoding="utf-8")
    code = main(["--older-than-days", "7", "--stacks-json", str(listing), "--now", NOW.isoformat()])
    out = capsys.readouterr().out
    assert code == 0
    assert "remove pr-7: last updated 14.2 days ago" in out
    assert "keep   pr-8: last updated 0.5 days ago" in out
    assert "dry run: 2 stale review stack(s); --execute removes them" in out
    assert "prod" not in out and "dev-alice" not in out


def test_execute_destroys_each_stale_stack_and_reports_failures(
    tmp_path: Path, make_tool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = tmp_path / "calls.txt"
    pulumi = make_tool(
        "pulumi",
        f"""
        import sys
        with open({str(calls)!r}, "a") as f:
            f.write(" ".join(sys.argv[1:]) + "\\n")
        sys.exit(1 if "pr-11" in sys.argv else 0)
        """,
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(LISTING)))
    monkeypatch.chdir(tmp_path)
    args = ["--older-than-days", "7", "--stacks-json", "-", "--execute", "--pulumi", str(pulumi)]
    code = main([*args, "--now", NOW.isoformat()])

    assert code == 1  # pr-11's destroy failed; pr-7's still ran
    assert calls.read_text().splitlines() == [
        "destroy --stack pr-7 --yes --remove --non-interactive --color never",
        "destroy --stack pr-11 --yes --remove --non-interactive --color never",
    ]


def test_execute_lists_the_stacks_itself_when_no_file_is_given(
    tmp_path: Path, make_tool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = tmp_path / "calls.txt"
    pulumi = make_tool(
        "pulumi",
        f"""
        import json, sys
        with open({str(calls)!r}, "a") as f:
            f.write(" ".join(sys.argv[1:]) + "\\n")
        if sys.argv[1:3] == ["stack", "ls"]:
            print(json.dumps({LISTING!r}))
        """,
    )
    monkeypatch.chdir(tmp_path)
    args = [
        "--older-than-days",
        "60",
        "--execute",
        "--pulumi",
        str(pulumi),
        "--now",
        NOW.isoformat(),
    ]
    assert main(args) == 0
    assert calls.read_text().splitlines() == [
        "stack ls --json",
        "destroy --stack pr-11 --yes --remove --non-interactive --color never",
    ]


@pytest.mark.parametrize("days", ["0", "400"])
def test_the_age_limit_is_checked(days: str) -> None:
    with pytest.raises(GitOpsError, match="--older-than-days must be 1 to 365"):
        main(["--older-than-days", days, "--stacks-json", "-"])
