"""A loopback proxy in front of the AWS emulator that fails a fraction of SQS calls.

Every process of the local runtime (the pollers here, the API functions' SqsSender in their own
processes) reaches SQS through this proxy, so one switch injects errors everywhere. A failed
call is answered either before it reaches the emulator (nothing happened) or after (it happened
and the answer was lost: a send that is retried becomes a duplicate, a lost delete makes SQS
deliver the message again). Only SQS calls are failed; STS and IAM pass untouched.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

_HOP_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "proxy-connection"})
_ERRORS = (
    (400, "ThrottlingException", "Sender", "Rate exceeded (injected)"),
    (500, "InternalError", "Receiver", "internal error (injected)"),
)


@dataclass
class FaultCounts:
    forwarded: int = 0
    failed_before: int = 0
    failed_after: int = 0
    by_action: dict[str, int] = field(default_factory=dict)


class SqsFaultProxy:
    """`url` forwards to `target`; `rate` of SQS calls fail, `after_share` of those after
    the emulator handled them. Rates may change while it runs (`set_rate`)."""

    def __init__(self, target: str, *, rate: float = 0.0, after_share: float = 0.3, seed: int = 0):
        parts = urlsplit(target)
        if parts.hostname is None or parts.port is None:
            raise ValueError(f"emulator address {target!r} has no host and port")
        self._target = (parts.hostname, parts.port)
        self._random = random.Random(seed)  # noqa: S311 - reproducible faults, not secrets
        self._lock = threading.Lock()
        self.rate = rate
        self.after_share = after_share
        self.counts = FaultCounts()
        self._local = threading.local()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def set_rate(self, rate: float) -> None:
        with self._lock:
            self.rate = rate

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sqs-fault-proxy", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5.0)

    def _decide(self, action: str | None) -> str:
        """ "pass", "before" or "after" for one call."""
        with self._lock:
            self.counts.forwarded += 1
            if action is None or self._random.random() >= self.rate:
                return "pass"
            when = "after" if self._random.random() < self.after_share else "before"
            if when == "after":
                self.counts.failed_after += 1
            else:
                self.counts.failed_before += 1
            self.counts.by_action[action] = self.counts.by_action.get(action, 0) + 1
            return when

    def _pick_error(self) -> tuple[int, str, str, str]:
        with self._lock:
            return self._random.choice(_ERRORS)

    def _upstream(self, fresh: bool) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if connection is None or fresh:
            if connection is not None:
                connection.close()
            connection = http.client.HTTPConnection(*self._target, timeout=60)
            self._local.conn = connection
        return connection

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        for fresh in (False, True):
            connection = self._upstream(fresh)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                return response.status, response.getheaders(), response.read()
            except (ConnectionError, http.client.HTTPException):
                if fresh:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return  # requests are counted, never logged

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                target = self.headers.get("x-amz-target") or ""
                action = target.split(".", 1)[1] if target.startswith("AmazonSQS.") else None
                fate = proxy._decide(action)
                if fate == "before":
                    self._fail()
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
                status, answer_headers, answer = proxy.forward(
                    self.command, self.path, headers, body
                )
                if fate == "after":
                    self._fail()
                    return
                self.send_response(status)
                for name, value in answer_headers:
                    if name.lower() not in _HOP_HEADERS and name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def _fail(self) -> None:
                status, code, fault, message = proxy._pick_error()
                payload = json.dumps(
                    {"__type": f"com.amazonaws.sqs#{code}", "message": message}
                ).encode()
                self.send_response(status)
                self.send_header("content-type", "application/x-amz-json-1.0")
                self.send_header("x-amzn-query-error", f"{code};{fault}")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

        return Handler
