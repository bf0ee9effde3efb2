"""boto3 clients for the emulator, with credentials for the account each resource belongs to.

All clients come from ONE boto3 Session under a lock: creating a Session per client costs more
than the call it serves, and `Session.client` is not thread-safe. Clients themselves are, and
the deploy runs handlers on many threads, so each client is cached and shared.

Member accounts are reached as AWS reaches them: STS `AssumeRole` into the account's role with
the management account's credentials. moto maps the returned keys to that account, so every
resource lands in the account its provider names.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pcizone.local.emulator import EmulatorEndpoint

SESSION_NAME = "pcizone-local"
# A hung call must fail the resource, never hang the deploy; retries are few because moto
# answers at once or not at all.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 60
MAX_ATTEMPTS = 2


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def __repr__(self) -> str:
        return f"Credentials(access_key_id={self.access_key_id!r}, secret=[secret])"


class AwsAccess:
    """Clients for the emulator: `client("sqs", role_arn=...)` acts inside that role's account."""

    def __init__(self, endpoint: EmulatorEndpoint) -> None:
        import boto3

        self.endpoint = endpoint
        self._lock = threading.Lock()
        self._session = boto3.session.Session()
        self._clients: dict[tuple[str, str, str | None], Any] = {}
        self._credentials: dict[str, Credentials] = {}
        self._management = Credentials(endpoint.access_key_id, endpoint.secret_access_key)

    def client(
        self, service: str, *, region: str | None = None, role_arn: str | None = None
    ) -> Any:
        """A cached client for `service` in `region`, as `role_arn` (None: management account)."""
        key = (service, region or self.endpoint.region, role_arn)
        with self._lock:
            found = self._clients.get(key)
        if found is not None:
            return found
        credentials = self.credentials(role_arn)
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                found = self._make_client(service, key[1], credentials)
                self._clients[key] = found
        return found

    def credentials(self, role_arn: str | None) -> Credentials:
        """The management account's credentials, or ones assumed into `role_arn` (cached)."""
        if role_arn is None:
            return self._management
        with self._lock:
            found = self._credentials.get(role_arn)
        if found is not None:
            return found
        sts = self.client("sts")
        issued = sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
        assumed = Credentials(
            issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"]
        )
        with self._lock:
            return self._credentials.setdefault(role_arn, assumed)

    def _make_client(self, service: str, region: str, credentials: Credentials) -> Any:
        from botocore.config import Config

        config = Config(
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
            # Virtual-host addressing would put the bucket in the loopback host name.
            s3={"addressing_style": "path"},
        )
        client = self._session.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint.url,
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
            config=config,
        )
        if service == "s3control":
            client.meta.events.register("before-send.s3-control", _strip_account_prefix)
        return client


def _strip_account_prefix(request: Any, **_: Any) -> None:
    """S3 Control prefixes the host with the account id; on a loopback address that host is
    unreachable, so send the request to the emulator's own host (the account travels in a header).
    """
    parts = urlsplit(request.url)
    first, _dot, rest = parts.netloc.partition(".")
    if rest and first.isdigit() and len(first) == 12:
        request.url = urlunsplit(parts._replace(netloc=rest))
