"""The offline stack runs (data_plane_runs.py) are shared with tests/network and tests/data."""

from __future__ import annotations

import sys
from pathlib import Path

# With --import-mode=importlib test folders are not on sys.path: add this one for the helper.
sys.path.insert(0, str(Path(__file__).resolve().parent))
