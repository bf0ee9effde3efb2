"""Posts results to GitHub from the jobs that hold a write token.

    python -m pcizone.gitops.publish pr-comment --artifacts DIR --run-id N --run-url URL
        --head-sha SHA --head-repository OWNER/NAME
    python -m pcizone.gitops.publish drift-issue --reports DIR --run-url URL
    python -m pcizone.gitops.publish drill-issue --evidence DIR --run-url URL

pr-comment: the pull-request number comes from the (untrusted) preview artifact, so the
comment is posted only if that pull request's head is the commit the Preview run previewed,
from the same repository. One comment per pull request, found by its marker among the bot's
own comments, is created or updated.
Issues: one open issue per title, created by the bot; a new finding comments on it.
Needs GITHUB_TOKEN, GITHUB_REPOSITORY (and GITHUB_API_URL) in the environment.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pcizone.gitops import comment, drift, drill
from pcizone.gitops.errors import run_main
from pcizone.gitops.github_api import BOT_LOGIN, GitHub


def pr_comment(
    gh: GitHub,
    *,
    artifacts: Path,
    run_id: int,
    run_url: str,
    head_sha: str,
    head_repository: str,
) -> str:
    """Creates or updates the preview comment; returns what was done, for the log."""
    summary = comment.load_summary(artifacts)
    pull = gh.pull(summary.pr_number)
    head = pull.get("head") or {}
    actual_sha = head.get("sha")
    actual_repo = (head.get("repo") or {}).get("full_name")
    if actual_sha != head_sha or actual_repo != head_repository:
        # A newer push (its own run will comment) or an artifact naming another pull request.
        return (
            f"not posted: pull request #{summary.pr_number} head is {actual_repo}@"
            f"{str(actual_sha)[:12]}, the run previewed {head_repository}@{head_sha[:12]}"
        )
    jobs = comment.cloud_jobs(gh.run_jobs(run_id))
    body = comment.render(summary, cloud_jobs=jobs, run_url=run_url, head_sha=head_sha)
    for existing in gh.issue_comments(summary.pr_number):
        author = (existing.get("user") or {}).get("login")
        if author == BOT_LOGIN and comment.MARKER in str(existing.get("body", "")):
            gh.update_comment(int(existing["id"]), body)
            return f"updated the preview comment on #{summary.pr_number}"
    gh.create_comment(summary.pr_number, body)
    return f"created the preview comment on #{summary.pr_number}"


def upsert_issue(gh: GitHub, *, title: str, body: str, label: str) -> str:
    """Comments on the bot's open issue with this title, or opens one."""
    for issue in gh.open_issues_by_bot():
        if issue.get("title") == title:
            number = int(issue["number"])
            gh.create_comment(number, body)
            return f"commented on issue #{number}: {title}"
    created = gh.create_issue(title, body, [label])
    return f"opened issue #{created.get('number')}: {title}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pcizone.gitops.publish")
    sub = parser.add_subparsers(dest="what", required=True)
    pr = sub.add_parser("pr-comment", help="create or update the preview comment")
    pr.add_argument("--artifacts", type=Path, required=True)
    pr.add_argument("--run-id", type=int, required=True)
    pr.add_argument("--run-url", default="")
    pr.add_argument("--head-sha", required=True)
    pr.add_argument("--head-repository", required=True)
    dr = sub.add_parser("drift-issue", help="open or update the drift issue when drift is found")
    dr.add_argument("--reports", type=Path, required=True)
    dr.add_argument("--run-url", default="")
    dr.add_argument("--expected", default="", help="comma-separated stacks that must report")
    dd = sub.add_parser("drill-issue", help="open or update an issue when a drill missed")
    dd.add_argument("--evidence", type=Path, required=True)
    dd.add_argument("--run-url", default="")
    dd.add_argument("--expected", default="", help="comma-separated stacks that were drilled")
    args = parser.parse_args(argv)

    if args.what == "pr-comment":
        gh = GitHub.from_env()
        print(
            pr_comment(
                gh,
                artifacts=args.artifacts,
                run_id=args.run_id,
                run_url=args.run_url,
                head_sha=args.head_sha,
                head_repository=args.head_repository,
            )
        )
        return 0
    if args.what == "drift-issue":
        expected = [s for s in args.expected.split(",") if s]
        reports = drift.load_reports(args.reports)
        issue = drift.issue(reports, run_url=args.run_url, expected=expected)
        label = "drift"
    else:
        expected = [s for s in args.expected.split(",") if s]
        outcomes = drill.load_outcomes(args.evidence)
        issue = drill.issue(outcomes, run_url=args.run_url, expected=expected)
        label = "dr-drill"
    if issue is None:
        print("nothing to report: no issue opened")
        return 0
    title, body = issue
    print(upsert_issue(GitHub.from_env(), title=title, body=body, label=label))
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
