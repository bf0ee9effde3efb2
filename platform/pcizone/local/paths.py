"""Where the local cloud keeps its state: `.state/local/` in the repository, removed by `down`."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATE_DIR = Path(".state") / "local"
_KEY_BYTES = 32
# Everything a local cloud keeps at its top level (atomic writes add a `.partial` twin).
_ENTRIES = frozenset(
    {
        "stacks",
        "emulator.pickle",
        "postgres",
        "logs",
        "functions",
        "ports.json",
        "state.key",
        "lock",
    }
)


@dataclass(frozen=True)
class LocalPaths:
    root: Path

    @classmethod
    def for_repo(cls, repo_root: Path) -> LocalPaths:
        return cls(repo_root / STATE_DIR)

    @property
    def stacks(self) -> Path:
        """One deploy state file per stack."""
        return self.root / "stacks"

    def stack_state(self, stack: str) -> Path:
        return self.stacks / f"{stack}.json"

    @property
    def emulator_snapshot(self) -> Path:
        return self.root / "emulator.pickle"

    @property
    def postgres(self) -> Path:
        """PostgreSQL's data directory, socket directory and log live under here."""
        return self.root / "postgres"

    @property
    def logs(self) -> Path:
        """The local runtime's function logs."""
        return self.root / "logs"

    @property
    def functions(self) -> Path:
        """Each function's deployed code, unpacked (its Lambda task root)."""
        return self.root / "functions"

    @property
    def ports(self) -> Path:
        return self.root / "ports.json"

    @property
    def state_key(self) -> Path:
        return self.root / "state.key"

    def foreign_entries(self) -> list[str]:
        """What `root` holds that no local cloud writes: `down` deletes `root` and `up` chmods it,
        so a mistyped --state-dir (the repo, a home folder) must be refused, never used."""
        if not self.root.exists():
            return []
        if not self.root.is_dir():
            return [self.root.name]
        return sorted(
            entry.name
            for entry in self.root.iterdir()
            if entry.name.removesuffix(".partial") not in _ENTRIES
        )

    def ensure(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The root must be traversable by the PostgreSQL server user, never listable by others.
        self.root.chmod(0o711)
        self.stacks.mkdir(mode=0o700, exist_ok=True)
        self.logs.mkdir(mode=0o700, exist_ok=True)

    def hash_key(self) -> bytes:
        """The key for hashing secrets in deploy state (so a hash cannot be guessed offline)."""
        if self.state_key.is_file():
            return bytes.fromhex(self.state_key.read_text().strip())
        key = secrets.token_bytes(_KEY_BYTES)
        write_private(self.state_key, key.hex() + "\n")
        return key

    def preferred_ports(self) -> dict[str, int]:
        """Ports used last time: reusing them keeps URLs and endpoints stable between runs."""
        try:
            data = json.loads(self.ports.read_text())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): int(v) for k, v in data.items() if isinstance(v, int)}

    def remember_ports(self, ports: dict[str, int]) -> None:
        write_private(self.ports, json.dumps(ports, sort_keys=True) + "\n")


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, readable by the owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    partial.replace(path)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
