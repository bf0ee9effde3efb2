"""Deterministic zip files: same inputs, same bytes, on any machine and any day.

Entries are sorted, timestamps fixed at 1980-01-01 (the zip epoch), permissions normalised and
compression fixed, so the archive's SHA-256 is a content hash Pulumi can compare across runs.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

_EPOCH = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644 << 16  # regular file, rw-r--r--
_SKIP_DIRS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
_SKIP_SUFFIXES = (".pyc", ".pyo")


def tree_files(root: Path) -> list[Path]:
    """Every file under `root` that belongs in a package, sorted by relative path."""
    found = [
        path
        for path in root.rglob("*")
        if path.is_file()
        and not path.name.endswith(_SKIP_SUFFIXES)
        and not _SKIP_DIRS.intersection(path.relative_to(root).parts)
    ]
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def zip_bytes(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """A zip of (archive name, content) pairs; the order given is ignored."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in sorted(entries, key=lambda entry: entry[0]):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = _FILE_MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever builds it
            archive.writestr(info, content, compresslevel=9)
    return buffer.getvalue()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def lambda_code_hash(sha256: str) -> str:
    """Lambda's `CodeSha256` form (base64 of the digest), from a hex digest."""
    return base64.b64encode(bytes.fromhex(sha256)).decode()


def write_if_changed(path: Path, data: bytes) -> None:
    """Write atomically; skip when the file already holds exactly these bytes."""
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
