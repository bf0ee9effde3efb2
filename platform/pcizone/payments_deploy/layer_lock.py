"""The dependency layer's lock: which wheels (pinned, with hashes) and the layer's hash.

`layer.lock.json` (next to this file) is committed. The program reads it and never builds:

- the layer zip lives at `build/layer/payments-deps-<first 16 hex of its sha256>.zip`;
- a preview declares the layer by that path and the locked hash whether or not it is built,
  so a preview on a laptop without the package index still shows exactly what would deploy;
- `pulumi up` under the real engine refuses to start without the built file (`make layer`);
- under the SDK's mocks (offline preview, local cloud) nothing reads the file.

`python -m pcizone.payments_deploy.layer build` installs the locked wheels (pip with
--require-hashes) and checks the result against `layerSha256`; `lock` re-pins after a
deliberate change of versions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pcizone.errors import UserError
from pcizone.payments_deploy.archive import lambda_code_hash

LOCK_FILE = Path(__file__).with_name("layer.lock.json")
OUTPUT = Path("build") / "layer"
PYTHON_VERSION = "3.12"
# Lambda's python3.12 runtime is Amazon Linux 2023 (glibc 2.34): both wheel tags run there,
# and some packages (psycopg-binary) publish aarch64 wheels only for manylinux_2_28.
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")


class LayerLockError(UserError):
    pass


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    sha256: tuple[str, ...]

    def requirement_line(self) -> str:
        hashes = " ".join(f"--hash=sha256:{h}" for h in self.sha256)
        return f"{self.name}=={self.version} {hashes}".strip()


@dataclass(frozen=True)
class LayerLock:
    python: str
    platforms: tuple[str, ...]
    pins: tuple[Pin, ...]
    layer_sha256: str

    @property
    def artifact_path(self) -> str:
        """Relative to the repository root (the Pulumi engine's working directory)."""
        return (OUTPUT / f"payments-deps-{self.layer_sha256[:16]}.zip").as_posix()

    @property
    def lambda_hash(self) -> str:
        return lambda_code_hash(self.layer_sha256)

    def to_json(self) -> str:
        data = {
            "python": self.python,
            "platforms": list(self.platforms),
            "packages": [
                {"name": p.name, "version": p.version, "sha256": list(p.sha256)} for p in self.pins
            ],
            "layerSha256": self.layer_sha256,
        }
        return json.dumps(data, indent=2) + "\n"


def read_lock(path: Path | None = None) -> LayerLock:
    path = path or LOCK_FILE
    where = f"{path.parent.name}/{path.name}"
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        pins = tuple(
            Pin(str(p["name"]), str(p["version"]), tuple(str(h) for h in p["sha256"]))
            for p in data["packages"]
        )
        lock = LayerLock(
            python=str(data["python"]),
            platforms=tuple(str(p) for p in data["platforms"]),
            pins=pins,
            layer_sha256=str(data["layerSha256"]),
        )
    except FileNotFoundError:
        raise LayerLockError(f"{where}: missing; run `make layer` to create it") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise LayerLockError(f"{where}: unreadable ({type(exc).__name__}: {exc})") from None
    if lock.python != PYTHON_VERSION or tuple(lock.platforms) != PLATFORMS:
        raise LayerLockError(
            f"{where}: locked for Python {lock.python} on {', '.join(lock.platforms)}, but the"
            f" functions run Python {PYTHON_VERSION} on {', '.join(PLATFORMS)}; re-run the lock"
        )
    if len(lock.layer_sha256) != 64 or not all(p.sha256 for p in lock.pins):
        raise LayerLockError(f"{where}: incomplete (a hash is missing); re-run the lock")
    return lock


def write_lock(lock: LayerLock, path: Path | None = None) -> None:
    (path or LOCK_FILE).write_text(lock.to_json(), encoding="utf-8")
