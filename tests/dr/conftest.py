"""Fixtures for the DR drill tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# With --import-mode=importlib test folders are not on sys.path; the doubles in dr_fakes.py
# are imported by name from this folder only.
sys.path.insert(0, str(Path(__file__).parent))

from dr_fakes import FakeTime
from pcizone.dr.clock import Clock
from pcizone.dr.timeline import Timeline


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def timeline() -> Timeline:
    return Timeline(Clock())


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    return tmp_path / "reports"
