"""Pulumi archives (Lambda code, layers): a content digest for the deploy state, and a zip.

Both are deterministic: files in sorted order, fixed timestamps and modes, no bytecode caches,
so the same sources always give the same digest and the same zip bytes. Relative paths are
resolved against `base`, the project directory (where the Pulumi engine runs programs).
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi

_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold
_SKIPPED_DIRS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache"})


class ArchiveError(ValueError):
    pass


def is_archive(value: Any) -> bool:
    return isinstance(value, pulumi.asset.Archive | pulumi.asset.Asset)


def archive_digest(value: Any, base: Path) -> str:
    """SHA-256 over every (name, content) pair the archive holds."""
    digest = hashlib.sha256()
    for name, data in _entries(value, "", base):
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def archive_zip(value: Any, base: Path) -> bytes:
    """The archive as zip bytes (a FileArchive that already is a .zip is passed through)."""
    if isinstance(value, pulumi.FileArchive) and str(value.path).endswith(".zip"):
        return _read(base / str(value.path))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in _entries(value, "", base):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def archive_path(value: Any, base: Path) -> Path | None:
    """Where a file archive's content is read from (None for archives built in memory)."""
    if isinstance(value, pulumi.FileArchive | pulumi.FileAsset):
        return base / str(value.path)
    return None


def _entries(value: Any, prefix: str, base: Path) -> Iterator[tuple[str, bytes]]:
    if isinstance(value, pulumi.FileArchive):
        path = base / str(value.path)
        if path.is_file() and path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for name in sorted(archive.namelist()):
                    if not name.endswith("/"):
                        yield prefix + name, archive.read(name)
            return
        yield from _directory(path, prefix)
    elif isinstance(value, pulumi.AssetArchive):
        for name in sorted(value.assets):
            yield from _entries(value.assets[name], f"{prefix}{name}", base)
    elif isinstance(value, pulumi.FileAsset):
        yield prefix, _read(base / str(value.path))
    elif isinstance(value, pulumi.StringAsset):
        yield prefix, str(value.text).encode()
    else:
        raise ArchiveError(f"unsupported archive or asset: {type(value).__name__}")


def _directory(root: Path, prefix: str) -> Iterator[tuple[str, bytes]]:
    if not root.is_dir():
        raise ArchiveError(f"archive path {root} does not exist")
    base = f"{prefix}/" if prefix and not prefix.endswith("/") else prefix
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            full = Path(folder) / name
            yield base + full.relative_to(root).as_posix(), full.read_bytes()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ArchiveError(f"archive file {path} cannot be read: {exc.strerror}") from exc
