"""Credentials assumed into a function's own role in the emulator, renewed before they expire.

Lambda hands each execution environment credentials for the function's execution role; its
event source mappings poll with that role too. Here STS `AssumeRole` against the emulator,
called with the management account's keys, returns keys moto maps to the role's account.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pcizone.local.emulator import EmulatorEndpoint
from pcizone.local.runtime.errors import LocalRuntimeError

CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class RoleCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expires_at: float  # epoch seconds

    def __repr__(self) -> str:
        return f"RoleCredentials(access_key_id={self.access_key_id!r}, secret=[secret])"

    def environment(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


def client_config(read_timeout: float = READ_TIMEOUT_SECONDS) -> Any:
    from botocore.config import Config

    # A hung call must surface as an error, never hang a poller; standard mode retries
    # throttling and 5xx answers a few times with back-off.
    return Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=read_timeout,
        retries={"max_attempts": 3, "mode": "standard"},
    )


_BOTO_LOCK = threading.Lock()
_boto_session: Any = None


def _session() -> Any:
    """One boto3 Session for every client the runtime makes (call with _BOTO_LOCK held):
    a Session reads the service models from disk once; a new one per client would repeat that."""
    global _boto_session  # noqa: PLW0603 - created on first use; boto3 is slow to import
    if _boto_session is None:
        import boto3

        _boto_session = boto3.session.Session()
    return _boto_session


class AssumedRole:
    """One role's credentials, shared by every environment and poller of a function."""

    def __init__(
        self,
        endpoint: EmulatorEndpoint,
        role_arn: str,
        session_name: str,
        *,
        duration_seconds: int,
        refresh_margin_seconds: int,
    ) -> None:
        self.endpoint = endpoint
        self.role_arn = role_arn
        self.session_name = session_name
        self.duration_seconds = duration_seconds
        self.refresh_margin_seconds = refresh_margin_seconds
        self._lock = threading.Lock()
        self._current: RoleCredentials | None = None
        self._clients: dict[tuple[str, float], tuple[RoleCredentials, Any]] = {}

    def credentials(self) -> RoleCredentials:
        """Valid credentials with at least the refresh margin left; assumes again if not."""
        with self._lock:
            current = self._current
            if current is None or current.expires_at - time.time() < self.refresh_margin_seconds:
                current = self._current = self._assume()
            return current

    def client(self, service: str, read_timeout: float = READ_TIMEOUT_SECONDS) -> Any:
        """A client acting as the role; a new one once the credentials behind it were renewed."""
        credentials = self.credentials()
        key = (service, read_timeout)
        with self._lock:
            cached = self._clients.get(key)
            if cached is not None and cached[0] is credentials:
                return cached[1]
        with _BOTO_LOCK:  # boto3 Session.client is not thread-safe
            made = _session().client(
                service,
                region_name=self.endpoint.region,
                endpoint_url=self.endpoint.url,
                aws_access_key_id=credentials.access_key_id,
                aws_secret_access_key=credentials.secret_access_key,
                aws_session_token=credentials.session_token,
                config=client_config(read_timeout),
            )
        with self._lock:
            self._clients[key] = (credentials, made)
        return made

    def _assume(self) -> RoleCredentials:
        from botocore.exceptions import BotoCoreError, ClientError

        with _BOTO_LOCK:
            sts = _session().client(
                "sts",
                region_name=self.endpoint.region,
                endpoint_url=self.endpoint.url,
                aws_access_key_id=self.endpoint.access_key_id,
                aws_secret_access_key=self.endpoint.secret_access_key,
                config=client_config(),
            )
        try:
            issued = sts.assume_role(
                RoleArn=self.role_arn,
                RoleSessionName=self.session_name,
                DurationSeconds=self.duration_seconds,
            )["Credentials"]
        except (BotoCoreError, ClientError) as exc:
            raise LocalRuntimeError(
                f"could not assume role {self.role_arn} in the emulator: {exc}"
            ) from None
        expiration = issued["Expiration"]
        expires_at = (
            expiration.timestamp()
            if isinstance(expiration, datetime)
            else time.time() + self.duration_seconds
        )
        return RoleCredentials(
            issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"], expires_at
        )
