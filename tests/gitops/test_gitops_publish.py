"""Posting to GitHub: against a local fake of the REST API, over real HTTP on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pcizone.gitops import publish
from pcizone.gitops.comment import MARKER
from pcizone.gitops.errors import GitOpsError
from pcizone.gitops.github_api import BOT_LOGIN, GitHub

TOKEN = "ghs_" + "t" * 36
REPO = "acme/pcizone"
HEAD = "3f2a9c1b7e5d4a6f8b0c2d4e6f8a0b2c4d6e8f0a"


@dataclass
class FakeGitHub:
    """Just enough of the REST API; records every request."""

    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    issues: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, Any, str]] = field(default_factory=list)
    next_link: str | None = None  # forced Link header for the first comments page
    url: str = ""

    def handle(self, method: str, raw_path: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qs(parts.query)
        prefix = f"/repos/{REPO}"
        if not path.startswith(prefix):
            return 404, {"message": "Not Found"}, {}
        path = path[len(prefix) :]
        segments = path.strip("/").split("/")
        if method == "GET" and segments[0] == "pulls":
            pull = self.pulls.get(int(segments[1]))
            return (200, pull, {}) if pull else (404, {"message": "Not Found"}, {})
        if segments[0] == "issues" and len(segments) == 3 and segments[2] == "comments":
            number = int(segments[1])
            if method == "GET":
                return self._page(self.comments.get(number, []), query, path)
            comment = {
                "id": 1000 + len(self.requests),
                "body": body["body"],
                "user": {"login": BOT_LOGIN},
            }
            self.comments.setdefault(number, []).append(comment)
            return 201, comment, {}
        if method == "PATCH" and segments[:2] == ["issues", "comments"]:
            for thread in self.comments.values():
                for comment in thread:
                    if comment["id"] == int(segments[2]):
                        comment["body"] = body["body"]
                        return 200, comment, {}
            return 404, {"message": "Not Found"}, {}
        if segments == ["issues"] and method == "GET":
            assert query["state"] == ["open"]
            return 200, self.issues, {}
        if segments == ["issues"] and method == "POST":
            issue = {"number": 500 + len(self.issues), "user": {"login": BOT_LOGIN}, **body}
            self.issues.append(issue)
            return 201, issue, {}
        if segments[:2] == ["actions", "runs"] and segments[3] == "jobs":
            return 200, {"total_count": len(self.jobs), "jobs": self.jobs}, {}
        return 404, {"message": "Not Found"}, {}

    def _page(
        self, items: list[dict[str, Any]], query: dict[str, list[str]], path: str
    ) -> tuple[int, Any, dict[str, str]]:
        page = int(query.get("page", ["1"])[0])
        size = 2  # small pages, so that pagination is exercised
        chunk = items[(page - 1) * size : page * size]
        headers = {}
        if self.next_link and page == 1:
            headers["Link"] = f'<{self.next_link}>; rel="next"'
        elif page * size < len(items):
            headers["Link"] = f'<{self.url}/repos/{REPO}{path}?page={page + 1}>; rel="next"'
        return 200, chunk, headers


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    state = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            state.requests.append(
                (self.command, self.path, body, self.headers.get("Authorization", ""))
            )
            status, payload, headers = state.handle(self.command, self.path, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def client(fake: FakeGitHub) -> GitHub:
    return GitHub(api_url=fake.url, repository=REPO, token=TOKEN)


def preview_artifact(folder: Path, pr_number: int = 12) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    summary = {
        "format": "pcizone-preview/1",
        "pr_number": pr_number,
        "stacks": [],
        "checks": [{"kind": "validate", "stack": None, "exit_code": 0, "seconds": 1.0}],
    }
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return folder


def pull(sha: str = HEAD, repo: str = REPO) -> dict[str, Any]:
    return {"number": 12, "head": {"sha": sha, "repo": {"full_name": repo}}}


def writes(fake: FakeGitHub) -> list[tuple[str, str]]:
    return [(m, urlsplit(p).path) for m, p, _, _ in fake.requests if m != "GET"]


def post_comment(fake: FakeGitHub, tmp_path: Path, **overrides: str) -> str:
    args = {"head_sha": HEAD, "head_repository": REPO, **overrides}
    return publish.pr_comment(
        client(fake),
        artifacts=preview_artifact(tmp_path / "artifact"),
        run_id=99,
        run_url="https://github.com/acme/pcizone/actions/runs/99",
        **args,
    )


def test_first_preview_creates_the_comment_with_the_token_as_bearer(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    fake.pulls[12] = pull()
    fake.jobs = [{"name": "Cloud preview (dev)", "conclusion": "success", "html_url": "x"}]

    assert post_comment(fake, tmp_path) == "created the preview comment on #12"
    assert writes(fake) == [("POST", f"/repos/{REPO}/issues/12/comments")]
    body = fake.comments[12][0]["body"]
    assert body.startswith(MARKER) and "| Cloud preview (dev) | ✅ success |" in body
    assert {auth for *_, auth in fake.requests} == {f"Bearer {TOKEN}"}


def test_a_later_preview_updates_the_bots_comment_found_on_a_later_page(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    fake.pulls[12] = pull()
    human = {"login": "mallory"}
    fake.comments[12] = [
        {"id": 1, "body": "looks good", "user": human},
        {"id": 2, "body": f"{MARKER} fake verdict", "user": human},  # not the bot's
        {"id": 3, "body": "another", "user": human},
        {"id": 4, "body": f"{MARKER}\nold verdict", "user": {"login": BOT_LOGIN}},
    ]

    assert post_comment(fake, tmp_path) == "updated the preview comment on #12"
    assert writes(fake) == [("PATCH", f"/repos/{REPO}/issues/comments/4")]
    assert fake.comments[12][1]["body"] == f"{MARKER} fake verdict"
    assert "all checks passed" in fake.comments[12][3]["body"]


@pytest.mark.parametrize(
    "head", [pull(sha="0" * 40), pull(repo="mallory/pcizone")], ids=["moved", "other-repo"]
)
def test_nothing_is_posted_when_the_pull_request_is_not_the_previewed_commit(
    fake: FakeGitHub, tmp_path: Path, head: dict[str, Any]
) -> None:
    # The artifact names #12, but #12's head is another commit: a newer push, or an artifact
    # forged to comment on someone else's pull request.
    fake.pulls[12] = head
    result = post_comment(fake, tmp_path)
    assert result.startswith("not posted: pull request #12 head is")
    assert writes(fake) == []


def test_the_token_is_never_sent_to_another_host(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.pulls[12] = pull()
    fake.comments[12] = [{"id": 1, "body": "x", "user": {"login": "a"}}]
    fake.next_link = "https://evil.example.com/steal?page=2"
    with pytest.raises(GitOpsError, match="refusing to send the token to 'https://evil"):
        post_comment(fake, tmp_path)


def test_api_errors_are_one_line_with_status_and_message_and_no_token(fake: FakeGitHub) -> None:
    with pytest.raises(GitOpsError) as caught:
        client(fake).pull(404)
    assert caught.value.message == f"GitHub API GET /repos/{REPO}/pulls/404: HTTP 404 Not Found"
    assert TOKEN not in caught.value.message


def test_an_unreachable_api_is_a_clear_error() -> None:
    gh = GitHub(api_url="http://127.0.0.1:9", repository=REPO, token=TOKEN, timeout=2)
    with pytest.raises(GitOpsError, match="cannot connect"):
        gh.pull(1)


@pytest.mark.parametrize(
    ("api_url", "repository", "token", "message"),
    [
        ("http://api.example.com", REPO, TOKEN, "must be https"),
        ("https://api.github.com", "no-slash", TOKEN, "must be 'owner/name'"),
        ("https://api.github.com", REPO, "", "GITHUB_TOKEN is empty"),
    ],
)
def test_client_settings_are_checked(
    api_url: str, repository: str, token: str, message: str
) -> None:
    with pytest.raises(GitOpsError, match=message):
        GitHub(api_url=api_url, repository=repository, token=token)


def test_an_issue_is_opened_once_then_commented_on(fake: FakeGitHub) -> None:
    gh = client(fake)
    # Same title, but a person's issue and a pull request: neither is the bot's issue.
    fake.issues += [
        {"number": 1, "title": "Drift", "user": {"login": "mallory"}},
        {"number": 2, "title": "Drift", "user": {"login": BOT_LOGIN}, "pull_request": {}},
    ]
    assert publish.upsert_issue(gh, title="Drift", body="first", label="drift") == (
        "opened issue #502: Drift"
    )
    assert fake.issues[2]["labels"] == ["drift"]
    assert publish.upsert_issue(gh, title="Drift", body="second", label="drift") == (
        "commented on issue #502: Drift"
    )
    assert fake.comments[502][0]["body"] == "second"
    assert len(fake.issues) == 3


def drift_report(folder: Path, stack: str, status: str, changes: list[dict[str, str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    report = {"format": "pcizone-drift/1", "stack": stack, "status": status, "changes": changes}
    (folder / f"{stack}.json").write_text(json.dumps(report), encoding="utf-8")


def test_drift_issue_command_opens_an_issue_only_when_there_is_drift(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    reports = tmp_path / "drift"
    for stack in ("org", "dev"):
        drift_report(reports, stack, "clean", [])
    args = ["drift-issue", "--reports", str(reports), "--expected", "org,dev"]

    assert publish.main(args) == 0
    assert fake.issues == []

    urn = "urn:pulumi:dev::pcizone::aws:ec2/securityGroup:SecurityGroup::db"
    drift_report(reports, "dev", "drift", [{"op": "update", "urn": urn}])
    assert publish.main(args) == 0
    assert [i["title"] for i in fake.issues] == ["Infrastructure drift detected"]
    assert urn in fake.issues[0]["body"]


def test_drill_issue_command_reports_a_drill_that_left_no_outcome(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    empty = tmp_path / "evidence"
    empty.mkdir()
    assert publish.main(["drill-issue", "--evidence", str(empty), "--expected", "staging,"]) == 0
    assert [i["title"] for i in fake.issues] == ["DR drill could not run: staging"]
