"""Fixtures for the GitOps helper tests: fake command-line tools and a scratch git repo."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

MakeTool = Callable[[str, str], Path]


@pytest.fixture
def make_tool(tmp_path: Path) -> MakeTool:
    """Writes an executable Python script standing in for a CLI (pulumi, pcizone)."""

    def make(name: str, body: str) -> Path:
        folder = tmp_path / "bin"
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body), encoding="utf-8")
        path.chmod(0o755)
        return path

    return make


class GitRepo:
    """A scratch repository: write files, commit, read SHAs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "ci@example.com")
        self.git("config", "user.name", "CI")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=self.path, capture_output=True, text=True, check=True, timeout=60
        )
        return result.stdout.strip()

    def commit(self, files: dict[str, str], delete: tuple[str, ...] = ()) -> str:
        for relative, content in files.items():
            target = self.path / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        for relative in delete:
            (self.path / relative).unlink()
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", "change")
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    path = tmp_path / "repo"
    path.mkdir()
    return GitRepo(path)
