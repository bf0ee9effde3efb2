"""Save the emulator's state at the end of a run and restore it at the start of the next.

The local cloud outlives the command, as a real cloud does: `pcizone up --local` twice deploys
nothing the second time, because the resources the deploy state lists are still there. moto
keeps its state in module-level "backend dicts" (service -> account -> region -> backend), so a
snapshot is those dicts pickled in one go (objects shared between services stay shared).

Objects pickle cannot copy are replaced by equivalents: locks and conditions by new ones (the
server is stopped while saving, so none is held), private keys by their PKCS#8 bytes, weak
dictionaries by plain copies, defaultdicts whose factory is a lambda by the factory's type. A
reference to a backend dict is saved by name and restored as the live one.

The file is trusted local state, like the PostgreSQL data directory next to it, and holds what
the emulator holds, secret values included (as an account would): it is written 0600 and
carries the moto version and a generation token; a snapshot from another moto version, or one
that fails to load, is refused and the local cloud starts empty.
"""

from __future__ import annotations

import collections
import importlib
import io
import os
import pickle
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 1


class SnapshotError(Exception):
    """The snapshot could not be written or read; the local cloud starts empty instead."""


@dataclass(frozen=True)
class SnapshotInfo:
    generation: str
    services: int
    size_bytes: int


def save(path: Path, generation: str) -> SnapshotInfo:
    """Pickle every moto backend in use to `path` (atomically, 0600)."""
    from moto.core.base_backend import BackendDict

    backends = {_locate(live): dict(live) for live in _instances(BackendDict)}
    buffer = io.BytesIO()
    try:
        _Pickler(buffer).dump(
            {
                "format": FORMAT,
                "moto": _moto_version(),
                "generation": generation,
                "backends": backends,
            }
        )
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise SnapshotError(f"the emulator's state could not be saved: {exc}") from exc
    data = buffer.getvalue()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    partial.replace(path)
    return SnapshotInfo(generation=generation, services=len(backends), size_bytes=len(data))


def restore(path: Path) -> SnapshotInfo:
    """Load `path` into moto's live backends (after a reset; before anyone uses the emulator)."""
    try:
        data = path.read_bytes()
        # Our own 0600 file from a previous run (see the module docstring), never user input.
        payload = pickle.loads(data)  # noqa: S301
    except Exception as exc:
        raise SnapshotError(
            f"the saved local cloud in {path.name} could not be read: {exc}"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise SnapshotError(f"{path.name} is not a local cloud snapshot of this pcizone version")
    if payload.get("moto") != _moto_version():
        raise SnapshotError(
            f"{path.name} was saved by moto {payload.get('moto')}, this is moto {_moto_version()}"
        )
    from moto.core.base_backend import BackendDict, backend_lock

    backends: dict[tuple[str, str], dict[str, Any]] = payload["backends"]
    with backend_lock:
        for location, accounts in backends.items():
            live = _live(*location)
            live.clear()
            live.update(accounts)
            if live not in _instances(BackendDict):
                _instances(BackendDict).append(live)
    return SnapshotInfo(
        generation=str(payload["generation"]), services=len(backends), size_bytes=len(data)
    )


def _instances(backend_dict_class: Any) -> list[Any]:
    """moto's registry of backend dicts in use (a class attribute)."""
    found: list[Any] = backend_dict_class._instances
    return found


def _moto_version() -> str:
    import moto

    return str(moto.__version__)


def _locate(backend_dict: Any) -> tuple[str, str]:
    """The (module, attribute) under which moto keeps this backend dict."""
    module_name = backend_dict.backend.__module__
    module = importlib.import_module(module_name)
    for attribute, value in vars(module).items():
        if value is backend_dict:
            return module_name, attribute
    raise SnapshotError(f"moto backend {backend_dict.service_name} has no module-level name")


def _live(module_name: str, attribute: str) -> Any:
    return getattr(importlib.import_module(module_name), attribute)


def _new_lock() -> Any:
    return threading.RLock()


def _weak_values(items: dict[Any, Any]) -> weakref.WeakValueDictionary[Any, Any]:
    return weakref.WeakValueDictionary(items)


def _load_private_key(der: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    return load_der_private_key(der, password=None)


_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
_FRESH_TYPES: tuple[type, ...] = (threading.Condition, threading.Event, threading.Semaphore)
_EMPTY_CONTAINERS = (dict, list, set)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
        from cryptography.hazmat.primitives.serialization import (
            Encoding,
            NoEncryption,
            PrivateFormat,
        )
        from moto.core.base_backend import BackendDict

        if isinstance(obj, _LOCK_TYPES):
            return _new_lock, ()
        if isinstance(obj, _FRESH_TYPES):
            return type(obj), ()
        if isinstance(obj, weakref.WeakValueDictionary):
            return _weak_values, (dict(obj.items()),)
        if isinstance(obj, BackendDict):
            return _live, _locate(obj)
        if isinstance(obj, collections.defaultdict) and _is_lambda(obj.default_factory):
            return collections.defaultdict, (_factory_type(obj),), None, None, iter(obj.items())
        private_keys = (
            rsa.RSAPrivateKey,
            ec.EllipticCurvePrivateKey,
            ed25519.Ed25519PrivateKey,
            ed448.Ed448PrivateKey,
            dsa.DSAPrivateKey,
        )
        if isinstance(obj, private_keys):
            der = obj.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
            return _load_private_key, (der,)
        return NotImplemented


def _is_lambda(factory: Any) -> bool:
    return getattr(factory, "__name__", "") == "<lambda>"


def _factory_type(obj: collections.defaultdict[Any, Any]) -> type:
    """`lambda: {}` and friends become `dict`; any other lambda cannot be saved faithfully."""
    assert obj.default_factory is not None
    sample = obj.default_factory()
    if type(sample) in _EMPTY_CONTAINERS and not sample:
        return type(sample)
    raise SnapshotError(f"a defaultdict factory returns {type(sample).__name__}; cannot save it")
