"""What one Lambda container holds between invocations: settings, its connection, its clients.

Built on the first invocation, not at import, so importing a handler stays cheap and a missing
setting fails the first request with a message naming the variable. Tests build an `App` with
their own parts, or `install` one as the container's.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

from payments.config import Settings, load_settings
from payments.db.connection import Connection, Database, connect
from payments.logging import configure_logging, get_logger
from payments.outbox import MessageSender, SqsSender
from payments.processor.base import Processor

DEFAULT_LOCK_TIMEOUT_MS = 1000  # how long a duplicate request waits for the first one
RELAY_INTERVAL_SECONDS = 10.0  # per container; rows are relayed once 30 s old anyway


class App:
    def __init__(
        self,
        settings: Settings,
        component: str,
        *,
        database: Database | None = None,
        sender: MessageSender | None = None,
        processor: Processor | None = None,
        sqs: Any = None,
        lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    ) -> None:
        self.settings = settings
        self.component = component
        self.lock_timeout_ms = lock_timeout_ms
        self._next_relay = 0.0  # monotonic time when this container may relay again
        self.log = get_logger(component)
        self._database = database
        self._sender = sender
        self._processor = processor
        self._sqs = sqs

    def relay_due(self, now: float) -> bool:
        """Whether this container should relay leftover outbox rows now: at most once every
        RELAY_INTERVAL_SECONDS. The scheduled relay is the guarantee; this only shortens the
        wait, and doing it on every request cost a transaction per payment."""
        if now < self._next_relay:
            return False
        self._next_relay = now + RELAY_INTERVAL_SECONDS
        return True

    def connect(self) -> Connection:
        return connect(self.settings, f"payments-{self.component}")

    @cached_property
    def db(self) -> Database:
        return self._database or Database(self.connect)

    @cached_property
    def sqs(self) -> Any:
        if self._sqs is not None:
            return self._sqs
        from payments import aws

        return aws.client("sqs", self.settings.aws_region)

    @cached_property
    def sender(self) -> MessageSender:
        return self._sender or SqsSender(self.sqs, self.settings.require_queue_url())

    @cached_property
    def processor(self) -> Processor:
        if self._processor is not None:
            return self._processor
        from payments.processor import build_processor

        return build_processor(self.settings, self.connect)

    def close(self) -> None:
        """Close what this App opened (its connection, the fake processor's journal one)."""
        if "db" in self.__dict__:
            self.db.close()
        close_processor = getattr(self.__dict__.get("processor"), "close", None)
        if callable(close_processor):
            close_processor()


_APPS: dict[str, App] = {}
_LOCK = threading.Lock()


def current(component: str) -> App:
    """The container's App for `component`, built from the environment on first use."""
    with _LOCK:
        app = _APPS.get(component)
        if app is None:
            configure_logging()
            app = _APPS[component] = App(load_settings(), component)
        return app


def install(app: App) -> None:
    """Make `app` the container's App for its component (tests, the local Lambda runtime)."""
    with _LOCK:
        _APPS[app.component] = app


def uninstall(component: str | None = None) -> None:
    """Forget (and close) the container's App for `component`, or all of them."""
    with _LOCK:
        names = list(_APPS) if component is None else [component]
        for name in names:
            app = _APPS.pop(name, None)
            if app is not None:
                app.close()
