"""Who ran a drill, from which code, where: the report's chain of custody (PCI DSS 10.2.2)."""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pcizone


@dataclass(frozen=True)
class Provenance:
    stack: str
    git_sha: str
    tool_version: str
    operator: str
    host: str
    ci_run: str | None


def collect(stack: str, repo_root: Path | None = None) -> Provenance:
    return Provenance(
        stack=stack,
        git_sha=git_sha(repo_root),
        tool_version=pcizone.__version__,
        operator=operator(),
        host=socket.gethostname(),
        ci_run=_ci_run(),
    )


def git_sha(repo_root: Path | None = None) -> str:
    """The commit the drill's code came from; CI's own variable wins over the work tree."""
    if sha := os.environ.get("GITHUB_SHA"):
        return sha
    root = repo_root or Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (git not available)"
    sha = out.stdout.strip()
    if out.returncode != 0 or not sha:
        return "unknown (not a git checkout, or no commit yet)"
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return f"{sha}-dirty" if dirty.stdout.strip() else sha


def operator() -> str:
    """The person (or workflow actor) accountable for the drill."""
    if actor := os.environ.get("GITHUB_ACTOR"):
        return f"{actor} (GitHub Actions)"
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def _ci_run() -> str | None:
    server = os.environ.get("GITHUB_SERVER_URL")
    repo = os.environ.get("GITHUB_REPOSITORY")
    run = os.environ.get("GITHUB_RUN_ID")
    if server and repo and run:
        return f"{server}/{repo}/actions/runs/{run}"
    return None
