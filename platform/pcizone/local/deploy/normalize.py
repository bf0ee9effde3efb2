"""Inputs and outputs as the deploy state stores them: comparable, stable, and secret-free.

- A secret becomes an HMAC of its value (keyed per local cloud, so a short password cannot be
  guessed from the state file), an archive the digest of its content.
- Integral floats become ints (the wire sends every number as a float).
- The emulator's URL becomes a token: it holds the port, which may differ on the next run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from pcizone.local.deploy.archives import ArchiveError, archive_digest, archive_path, is_archive
from pcizone.offline.model import UNKNOWN, Archive, ResourceRef, Secret

EMULATOR_TOKEN = "{{emulator}}"  # noqa: S105 - a placeholder for a URL, not a password


def normalize(value: Any, *, key: bytes, emulator_url: str, base: Path) -> Any:
    """The comparable, storable form of a decoded input value (see the module docstring)."""
    if isinstance(value, Secret):
        # Tokenized first: a whole block may be secret (the SDK marks the top-level property).
        plain = json.dumps(tokenize(_plain(value.value), emulator_url), sort_keys=True, default=str)
        return {"secret": hmac.new(key, plain.encode(), hashlib.sha256).hexdigest()}
    if is_archive(value):
        try:
            return {"archive": archive_digest(value, base)}
        except ArchiveError:
            # Not built yet (a layer needs `make layer`): it changes once it exists.
            return {"archive": f"missing:{archive_path(value, base)}"}
    if isinstance(value, Archive):
        return {"archive": value.sha256}
    if isinstance(value, ResourceRef):
        return {"resource": value.urn}
    if value is UNKNOWN:
        return "[unknown]"
    if isinstance(value, dict):
        return {
            str(k): normalize(v, key=key, emulator_url=emulator_url, base=base)
            for k, v in sorted(value.items())
        }
    if isinstance(value, list | tuple):
        return [normalize(v, key=key, emulator_url=emulator_url, base=base) for v in value]
    return tokenize(value, emulator_url)


def tokenize(value: Any, emulator_url: str) -> Any:
    """Plain JSON with the emulator's URL replaced by a token and integral floats as ints."""
    if isinstance(value, str):
        return value.replace(emulator_url, EMULATOR_TOKEN) if emulator_url else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): tokenize(v, emulator_url) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [tokenize(v, emulator_url) for v in value]
    return value


def detokenize(value: Any, emulator_url: str) -> Any:
    """The inverse of `tokenize` for this run's emulator URL."""
    if isinstance(value, str):
        return value.replace(EMULATOR_TOKEN, emulator_url)
    if isinstance(value, dict):
        return {k: detokenize(v, emulator_url) for k, v in value.items()}
    if isinstance(value, list):
        return [detokenize(v, emulator_url) for v in value]
    return value


def changed_keys(old: dict[str, Any], new: dict[str, Any]) -> frozenset[str]:
    """Top-level keys whose normalized values differ (added and removed keys included)."""
    return frozenset(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def _plain(value: Any) -> Any:
    if isinstance(value, Secret):
        return _plain(value.value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
