"""AWS clients, created lazily (boto3 costs ~0.1 s to import) and shared per container.

boto3 reads `AWS_ENDPOINT_URL` itself, which is how the local cloud points these clients at
its emulator.
"""

from __future__ import annotations

import threading
from typing import Any

_LOCK = threading.Lock()
_CLIENTS: dict[tuple[str, str], Any] = {}


def client(service: str, region: str) -> Any:
    """A boto3 client with explicit timeouts and bounded retries (a hung call hangs a Lambda)."""
    with _LOCK:
        found = _CLIENTS.get((service, region))
        if found is None:
            import boto3
            from botocore.config import Config

            config = Config(
                connect_timeout=3,
                read_timeout=10,
                retries={"max_attempts": 3, "mode": "standard"},
            )
            found = boto3.session.Session().client(service, region_name=region, config=config)
            _CLIENTS[(service, region)] = found
        return found


def forget_clients() -> None:
    """Drop cached clients (tests that move the emulator endpoint)."""
    with _LOCK:
        _CLIENTS.clear()
