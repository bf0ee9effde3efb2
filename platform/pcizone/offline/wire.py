"""Decode the engine's wire properties (a protobuf Struct) into the recorded model."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import rpc

from pcizone.offline.model import UNKNOWN, Archive, ResourceRef, Secret

SIG = rpc._special_sig_key
_SECRET = rpc._special_secret_sig
_ARCHIVE = rpc._special_archive_sig
_ASSET = rpc._special_asset_sig
_RESOURCE = rpc._special_resource_sig
_OUTPUT = rpc._special_output_value_sig


def decode_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    raw = json_format.MessageToDict(struct)
    return {k: decode(v) for k, v in raw.items()}


def decode(value: Any) -> Any:
    if isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN):
        return UNKNOWN
    if isinstance(value, dict):
        sig = value.get(SIG)
        if sig == _SECRET:
            return Secret(decode(value.get("value")))
        if sig == _OUTPUT:
            inner = decode(value["value"]) if "value" in value else UNKNOWN
            return Secret(inner) if value.get("secret") else inner
        if sig in {_ARCHIVE, _ASSET}:
            path = value.get("path")
            return Archive(path=path, sha256=_hash_path(path) if path else None)
        if sig == _RESOURCE:
            return ResourceRef(urn=value.get("urn", ""), id=value.get("id"))
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def _hash_path(path: str) -> str | None:
    """Content hash of a file or folder, independent of timestamps and walk order."""
    p = Path(path)
    if p.is_file():
        return hashlib.sha256(p.read_bytes()).hexdigest()
    if not p.is_dir():
        return None
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(p):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".pyc"):
                continue
            full = Path(root) / name
            digest.update(full.relative_to(p).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(full.read_bytes()).digest())
    return digest.hexdigest()
