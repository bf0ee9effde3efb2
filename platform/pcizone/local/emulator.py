"""The embedded AWS emulator: a moto server on loopback, owned by the command that started it.

The server runs in this process on its own thread (requests are served on a thread each), so the
emulator's state lives in moto's module-level backends and can be saved and restored between
runs (`pcizone.local.emulator_snapshot`). It binds 127.0.0.1 only: moto accepts any credentials.

Management-account requests use the credentials below; moto maps any access key it did not
issue to its default account, which plays the Organization's management account. Member-account
requests use credentials assumed into that account (`pcizone.local.aws_access`).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from pcizone.errors import EXIT_ENVIRONMENT, UserError
from pcizone.local import moto_extensions

LOOPBACK = "127.0.0.1"
MANAGEMENT_ACCOUNT = "123456789012"  # moto's default account: requests with our own keys land here
# Not secrets: moto accepts any key, and it only ever listens on loopback.
ACCESS_KEY_ID = "pcizone-local"
SECRET_ACCESS_KEY = "pcizone-local"  # noqa: S105
_RESET_TIMEOUT_SECONDS = 10.0


def port_is_free(port: int) -> bool:
    """Could we listen on this loopback port right now?"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers bind: connections of a previous run in TIME_WAIT do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


class EmulatorError(UserError):
    """The emulator could not be started; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_ENVIRONMENT)


@dataclass(frozen=True)
class EmulatorEndpoint:
    """Where the emulator listens and which region the local cloud runs in."""

    url: str
    region: str
    management_account: str = MANAGEMENT_ACCOUNT
    access_key_id: str = ACCESS_KEY_ID
    secret_access_key: str = SECRET_ACCESS_KEY

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def client_environment(self) -> dict[str, str]:
        """Environment variables that point boto3 in another process at this emulator.

        Credentials are not included: each process brings its own (a function's assumed role).
        """
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }


class Emulator:
    """A moto server on 127.0.0.1: `start()` returns its endpoint, `stop()` ends it.

    `preferred_port` is tried first (a stable port keeps queue URLs stable between runs); when it
    is taken, any free port is used. The server starts with an empty state.
    """

    def __init__(
        self, region: str, *, preferred_port: int | None = None, log_path: Path | None = None
    ) -> None:
        self.region = region
        self.preferred_port = preferred_port
        self.log_path = log_path
        self._log_handler: logging.Handler | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._endpoint: EmulatorEndpoint | None = None

    @property
    def endpoint(self) -> EmulatorEndpoint:
        if self._endpoint is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return self._endpoint

    @property
    def is_running(self) -> bool:
        return self._endpoint is not None

    def start(self) -> EmulatorEndpoint:
        if self._endpoint is not None:
            return self._endpoint
        self._quiet_server_log()
        moto_extensions.install()
        self._server = self._bind()
        host, port = self._server.server_address[:2]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="pcizone-emulator", daemon=True
        )
        self._thread.start()
        self._endpoint = EmulatorEndpoint(url=f"http://{host}:{port}", region=self.region)
        try:
            self._reset()
        except BaseException:
            self.stop()
            raise
        return self._endpoint

    def _quiet_server_log(self) -> None:
        """werkzeug logs every request at INFO and each emulator crash (HTTP 500) with its
        traceback: the console is for the summary, so errors go to `log_path` (or nowhere)."""
        server_log = logging.getLogger("werkzeug")
        server_log.setLevel(logging.ERROR)
        server_log.propagate = False
        if self.log_path is not None and self._log_handler is None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log_handler = logging.FileHandler(self.log_path, encoding="utf-8")
            server_log.addHandler(self._log_handler)
        elif self.log_path is None and not server_log.handlers:
            server_log.addHandler(logging.NullHandler())

    def _bind(self) -> Any:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app = DomainDispatcherApplication(create_backend_app)
        preferred = self.preferred_port
        ports = [preferred, 0] if preferred and port_is_free(preferred) else [0]
        for port in ports:
            try:
                # Bound here, not in the thread, so a taken port is an error we can handle.
                return make_server(
                    LOOPBACK, port, app, threaded=True, request_handler=MotoRequestHandler
                )
            except (OSError, SystemExit):
                # werkzeug exits (it was written for a command line) when the port was taken
                # between our check and its bind; then any free port will do.
                continue
        raise EmulatorError(f"the AWS emulator could not listen on any port of {LOOPBACK}")

    def _reset(self) -> None:
        """Empty every backend: moto's state is per process, and a test may have left some."""
        # Our own loopback http:// URL, never user input.
        url = f"{self.endpoint.url}/moto-api/reset"
        request = urllib.request.Request(url, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=_RESET_TIMEOUT_SECONDS) as response:  # noqa: S310
            if response.status != 200:
                raise EmulatorError(f"the AWS emulator did not reset: HTTP {response.status}")

    def stop(self) -> None:
        """Stop serving and wait for the server thread; safe to call more than once."""
        server, thread = self._server, self._thread
        self._server = self._thread = self._endpoint = None
        if server is not None:
            server.shutdown()
            with contextlib.suppress(OSError):
                server.server_close()
        if thread is not None:
            thread.join(timeout=10.0)
        handler, self._log_handler = self._log_handler, None
        if handler is not None:
            logging.getLogger("werkzeug").removeHandler(handler)
            handler.close()

    @staticmethod
    def clear() -> None:
        """Drop everything the emulator holds in this process (after saving it): the memory
        goes back, and a later emulator in the same process starts from nothing."""
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()

    def __enter__(self) -> EmulatorEndpoint:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
