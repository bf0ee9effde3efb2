"""A throwaway repo root per test: the real Pulumi.yaml plus one stack file to break."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copy(REPO / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copytree(REPO / "stacks", tmp_path / "stacks")
    return tmp_path


@pytest.fixture
def write_stack(repo: Path) -> Callable[[str, str], Path]:
    def write(stack: str, text: str) -> Path:
        path = repo / "stacks" / f"Pulumi.{stack}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
