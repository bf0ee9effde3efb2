"""The functions' code: one deterministic zip of `services/payments/payments` and its SQL
migrations, built from local files only (a preview or a test never needs the network).

Layout inside the zip: `payments/...` (handlers such as `payments.handlers.api.handler`) and
`migrations/*.sql`, which `payments.db.migrate` finds next to the package as it does in the
repository. The zip is named by its content hash, so a changed file is a new archive and an
unchanged tree is byte-for-byte the same archive on every machine.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from pcizone.payments_deploy.archive import (
    lambda_code_hash,
    sha256_hex,
    tree_files,
    write_if_changed,
    zip_bytes,
)

SERVICE = Path("services") / "payments"
OUTPUT = Path("build") / "lambda"


@dataclass(frozen=True)
class CodePackage:
    path: str  # relative to the repository root, where the Pulumi engine runs the program
    sha256: str
    migrations_sha256: str

    @property
    def lambda_hash(self) -> str:
        return lambda_code_hash(self.sha256)


_cache: dict[tuple[object, ...], CodePackage] = {}
_lock = threading.Lock()


def build_code_package(repo_root: Path) -> CodePackage:
    package_dir = repo_root / SERVICE / "payments"
    migrations_dir = repo_root / SERVICE / "migrations"
    if not package_dir.is_dir():
        raise FileNotFoundError(f"{SERVICE / 'payments'} not found under the repository root")
    files = [
        (f"payments/{p.relative_to(package_dir).as_posix()}", p) for p in tree_files(package_dir)
    ]
    files += [(f"migrations/{p.name}", p) for p in sorted(migrations_dir.glob("*.sql"))]
    # Building is cheap but not free; programs run several times per process in tests.
    fingerprint = tuple((name, p.stat().st_size, p.stat().st_mtime_ns) for name, p in files)
    with _lock:
        cached = _cache.get(fingerprint)
        if cached is not None and (repo_root / cached.path).is_file():
            return cached
    entries = [(name, path.read_bytes()) for name, path in files]
    data = zip_bytes(entries)
    sha = sha256_hex(data)
    relative = (OUTPUT / f"payments-code-{sha[:16]}.zip").as_posix()
    write_if_changed(repo_root / relative, data)
    package = CodePackage(relative, sha, migrations_digest(entries))
    with _lock:
        _cache[fingerprint] = package
    return package


def migrations_digest(entries: list[tuple[str, bytes]]) -> str:
    """One hash over every migration's name and content (the migrator's trigger)."""
    digest = hashlib.sha256()
    for name, content in sorted(entries):
        if name.startswith("migrations/"):
            digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()
