"""The org stack, run once offline through the real program, and ways to read what it declared."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

# With --import-mode=importlib test folders are not on sys.path: add this one for the helper
# (tests/baseline adds it too).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from recorded_runs import Recorded, run_org, statements_by_sid


@pytest.fixture(scope="session")
def org() -> Recorded:
    return run_org()


@pytest.fixture(scope="session")
def sids() -> Any:
    return statements_by_sid
