"""The offline stack runs are shared with tests/payments_deploy (one run per stack per session)."""

from __future__ import annotations

import sys
from pathlib import Path

# With --import-mode=importlib test folders are not on sys.path: add the one with the helper.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "payments_deploy"))
