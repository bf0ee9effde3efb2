"""Fixtures for the DR drill tests."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# With --import-mode=importlib test folders are not on sys.path; the doubles in dr_fakes.py
# are imported by name from this folder only.
sys.path.insert(0, str(Path(__file__).parent))

from dr_fakes import FakeTime, postmasters_under
from pcizone.dr.clock import Clock
from pcizone.dr.timeline import Timeline
from pcizone.local.postgres import ensure_template, pg_temp_dir

# Where every local drill puts its servers (pg_temp_dir prefixes under the temp dir).
DRILL_DIR_PREFIXES = ("pcizone-drill-", "pcizone-restore-", "pcizone-queue-")


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def timeline() -> Timeline:
    return Timeline(Clock())


@pytest.fixture(scope="session")
def pg_template() -> Iterator[Path]:
    """A stopped, initialised data directory: copying it is faster than initdb per node."""
    cache = pg_temp_dir("pcizone-test-template-")
    try:
        yield ensure_template(cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


@pytest.fixture
def no_postmaster_left() -> Iterator[None]:
    """Fails the test if a drill left any postgres server of its own running."""
    yield
    tmp = tempfile.gettempdir()
    left = [pid for p in DRILL_DIR_PREFIXES for pid in postmasters_under(f"{tmp}/{p}")]
    assert left == [], f"postgres servers left running: {left}"
