"""The few GitHub REST calls the workflows need, with the job's GITHUB_TOKEN.

Standard library only, because it runs in the jobs that hold a write token. The token is read
from the environment, sent only to the configured API host (never to a pagination link that
points elsewhere) and never printed.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any

from pcizone.gitops.errors import EXIT_TOOL, GitOpsError

API_VERSION = "2022-11-28"
BOT_LOGIN = "github-actions[bot]"  # the author of everything GITHUB_TOKEN writes
MAX_PAGES = 50
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class GitHub:
    def __init__(self, *, api_url: str, repository: str, token: str, timeout: float = 30) -> None:
        parsed = urllib.parse.urlsplit(api_url)
        secure = parsed.scheme == "https" or (
            parsed.scheme == "http" and parsed.hostname in _LOOPBACK
        )
        if not secure or not parsed.hostname:
            raise GitOpsError(f"GitHub API URL must be https, got {api_url!r}")
        if not _REPOSITORY.match(repository):
            raise GitOpsError(f"GitHub repository must be 'owner/name', got {repository!r}")
        if not token:
            raise GitOpsError("GITHUB_TOKEN is empty: the job must pass its token to this step")
        self._api = api_url.rstrip("/")
        self._origin = f"{parsed.scheme}://{parsed.netloc}"
        self.repository = repository
        self._token = token
        self._timeout = timeout

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GitHub:
        env = os.environ if env is None else env
        return cls(
            api_url=env.get("GITHUB_API_URL", "https://api.github.com"),
            repository=env.get("GITHUB_REPOSITORY", ""),
            token=env.get("GITHUB_TOKEN", ""),
        )

    # Low level -----------------------------------------------------------------------------

    def _send(self, method: str, url: str, body: object = None) -> tuple[Any, str]:
        if not url.startswith(self._origin + "/"):
            raise GitOpsError(f"refusing to send the token to {url.split('?', maxsplit=1)[0]!r}")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (checked)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("X-GitHub-Api-Version", API_VERSION)
        request.add_header("User-Agent", "pcizone-gitops")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        where = f"{method} {urllib.parse.urlsplit(url).path}"
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                payload = response.read()
                link = response.headers.get("Link", "")
        except urllib.error.HTTPError as err:
            raise GitOpsError(
                f"GitHub API {where}: HTTP {err.code} {_message(err.read())}", EXIT_TOOL
            ) from None
        except (urllib.error.URLError, TimeoutError) as err:
            reason = getattr(err, "reason", err)
            raise GitOpsError(f"GitHub API {where}: cannot connect ({reason})", EXIT_TOOL) from None
        try:
            return (json.loads(payload) if payload else None), link
        except json.JSONDecodeError:
            raise GitOpsError(f"GitHub API {where}: the answer is not JSON", EXIT_TOOL) from None

    def _url(self, path: str, params: Mapping[str, str | int] | None = None) -> str:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return f"{self._api}/repos/{self.repository}{path}{query}"

    def request(self, method: str, path: str, body: object = None) -> Any:
        return self._send(method, self._url(path), body)[0]

    def paginate(
        self, path: str, params: Mapping[str, str | int] | None = None, key: str | None = None
    ) -> Iterator[Any]:
        url: str | None = self._url(path, {"per_page": 100, **(params or {})})
        for _ in range(MAX_PAGES):
            if url is None:
                return
            page, link = self._send("GET", url)
            items = page.get(key, []) if key and isinstance(page, dict) else page
            if not isinstance(items, list):
                raise GitOpsError(f"GitHub API GET {path}: expected a list", EXIT_TOOL)
            yield from items
            match = _NEXT.search(link)
            url = match.group(1) if match else None
        raise GitOpsError(f"GitHub API GET {path}: more than {MAX_PAGES} pages", EXIT_TOOL)

    # What the workflows use ----------------------------------------------------------------

    def pull(self, number: int) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/pulls/{number}")
        return result

    def issue_comments(self, number: int) -> Iterator[dict[str, Any]]:
        return self.paginate(f"/issues/{number}/comments")

    def create_comment(self, number: int, body: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", f"/issues/{number}/comments", {"body": body})
        return result

    def update_comment(self, comment_id: int, body: str) -> dict[str, Any]:
        path = f"/issues/comments/{comment_id}"
        result: dict[str, Any] = self.request("PATCH", path, {"body": body})
        return result

    def run_jobs(self, run_id: int) -> list[dict[str, Any]]:
        return list(self.paginate(f"/actions/runs/{run_id}/jobs", {"filter": "latest"}, "jobs"))

    def open_issues_by_bot(self) -> Iterator[dict[str, Any]]:
        """Open issues this workflow's token opened (filtered here: the API's `creator`
        filter is not documented for app bots)."""
        for issue in self.paginate("/issues", {"state": "open"}):
            author = (issue.get("user") or {}).get("login")
            if author == BOT_LOGIN and "pull_request" not in issue:  # PRs are issues too
                yield issue

    def create_issue(self, title: str, body: str, labels: list[str]) -> dict[str, Any]:
        payload = {"title": title, "body": body, "labels": labels}
        result: dict[str, Any] = self.request("POST", "/issues", payload)
        return result


def _message(payload: bytes) -> str:
    try:
        data = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return str(message)[:300] if message else ""
