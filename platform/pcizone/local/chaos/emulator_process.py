"""The AWS emulator of the chaos and load runs: moto in a process of its own, with SQS faults.

Why a process of its own: moto serves every request under one interpreter lock. Inside the
harness's process it competed with the HTTP API, the pollers and the load client, and was
half of that process's CPU; here it gets a core of its own.

It listens on two loopback ports that share one set of emulated accounts: `faulty_url`, where
a share of SQS calls fail (the local runtime and every function use it), and `clean_url`,
which never fails (the harness's own set-up, duplicates and poison messages). A failed call
is answered either before moto sees it (nothing happened) or after moto handled it (it
happened and the answer was lost: a retried send becomes a duplicate, a lost delete makes
SQS deliver the message again). Errors are SQS's own throttling (400) and internal errors
(500). `POST /_chaos/sqs-faults {"rate": r}` on either port changes the rate;
`GET /_chaos/sqs-faults` returns the counts.

moto's speed fixes (`pcizone.local.moto_extensions.speed_up`) matter most here: without them a
deep queue made every SQS call slow, and a chaos run stalled on its backlog. One more, here only:
- Werkzeug's server closes the connection after every answer; this one keeps it open.

    python -m pcizone.local.chaos.emulator_process --seed 7

prints `ports <faulty> <clean>` once serving, and exits when its stdin closes (its parent
ended, whichever way).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import random
import selectors
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pcizone.local import moto_extensions

CONTROL_PATH = "/_chaos/sqs-faults"
_MODULE = "pcizone.local.chaos.emulator_process"
LOOPBACK = "127.0.0.1"
_ERRORS = (
    ("400 Bad Request", "ThrottlingException", "Sender", "Rate exceeded (injected)"),
    ("500 Internal Server Error", "InternalError", "Receiver", "internal error (injected)"),
)
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass
class FaultCounts:
    sqs_calls: int = 0
    failed_before: int = 0
    failed_after: int = 0
    by_action: dict[str, int] = field(default_factory=dict)


class SqsFaults:
    """WSGI middleware in front of moto: the faulty port's view of it."""

    def __init__(self, app: WsgiApp, seed: int, after_share: float = 0.3) -> None:
        self._app = app
        self._random = random.Random(seed)  # noqa: S311 - reproducible faults, not secrets
        self._lock = threading.Lock()
        self.rate = 0.0
        self.after_share = after_share
        self.counts = FaultCounts()

    def _decide(self, action: str) -> str:
        """ "pass", "before" or "after" for one SQS call."""
        with self._lock:
            self.counts.sqs_calls += 1
            if self._random.random() >= self.rate:
                return "pass"
            when = "after" if self._random.random() < self.after_share else "before"
            if when == "after":
                self.counts.failed_after += 1
            else:
                self.counts.failed_before += 1
            self.counts.by_action[action] = self.counts.by_action.get(action, 0) + 1
            return when

    def _fail(self, start_response: StartResponse) -> list[bytes]:
        with self._lock:
            status, code, fault, message = self._random.choice(_ERRORS)
        payload = json.dumps({"__type": f"com.amazonaws.sqs#{code}", "message": message}).encode()
        start_response(
            status,
            [
                ("content-type", "application/x-amz-json-1.0"),
                ("x-amzn-query-error", f"{code};{fault}"),
                ("content-length", str(len(payload))),
            ],
        )
        return [payload]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET") or "")
        if not target.startswith("AmazonSQS."):
            return self._app(environ, start_response)  # STS, IAM, Lambda pass untouched
        fate = self._decide(target.split(".", 1)[1])
        if fate == "before":
            return self._fail(start_response)
        if fate == "after":
            answer = self._app(environ, lambda *_args, **_kwargs: lambda _data: None)
            try:
                for _chunk in answer:
                    pass
            finally:
                close = getattr(answer, "close", None)
                if callable(close):
                    close()
            return self._fail(start_response)
        return self._app(environ, start_response)


class Control:
    """Routes the control path on both ports; everything else goes to `app`."""

    def __init__(self, app: WsgiApp, faults: SqsFaults) -> None:
        self._app = app
        self._faults = faults

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != CONTROL_PATH:
            return self._app(environ, start_response)
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            rate = float(json.loads(environ["wsgi.input"].read(length))["rate"])
            if not 0.0 <= rate <= 1.0:
                start_response("400 Bad Request", [("content-type", "text/plain")])
                return [b"rate must be between 0 and 1\n"]
            with self._faults._lock:
                self._faults.rate = rate
        with self._faults._lock:
            body = json.dumps({"rate": self._faults.rate, **asdict(self._faults.counts)}).encode()
        start_response("200 OK", [("content-type", "application/json")])
        return [body]


class _KeepAliveHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive in front of a WSGI app. Werkzeug's server closes the connection
    after every answer, so each SQS call paid for a new connection on both sides and a new
    thread here; clients (boto3's pools) keep theirs open now. Every request must carry its
    body's length, as AWS SDK requests do; anything else is refused and the connection closed.
    """

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stall
    server: _WsgiServer

    def log_message(self, format: str, *args: Any) -> None:
        return  # requests are counted, never logged

    def _serve(self) -> None:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            self.close_connection = True
            self.send_error(411, "a Content-Length is required")
            return
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": urllib.parse.unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "RAW_URI": self.path,
            "REQUEST_URI": self.path,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("content-type", ""),
            "CONTENT_LENGTH": str(length),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name in set(self.headers.keys()):
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = ",".join(self.headers.get_all(name) or [])
        started: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            started[:] = [status, headers]
            return chunks.append

        chunks: list[bytes] = []
        answer = self.server.app(environ, start_response)
        try:
            chunks.extend(answer)
        finally:
            close = getattr(answer, "close", None)
            if callable(close):
                close()
        status, headers = started
        payload = b"".join(chunks)
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve


class _WsgiServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        super().__init__((LOOPBACK, 0), _KeepAliveHandler)


def serve(seed: int) -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    moto_extensions.install()  # its speed fixes matter most under a chaos backlog
    moto_app = DomainDispatcherApplication(create_backend_app)
    faults = SqsFaults(moto_app, seed)
    servers = [_WsgiServer(app) for app in (Control(faults, faults), Control(moto_app, faults))]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ports", *(s.server_address[1] for s in servers), flush=True)
    sys.stdin.read()  # until the parent closes our stdin or ends
    for server in servers:
        server.shutdown()


class EmulatorProcess:
    """The parent's handle: `start()`, the two URLs, the fault rate and counts, `stop()`."""

    def __init__(self, seed: int = 0, log_path: Path | None = None) -> None:
        self._seed = seed
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self.faulty_url = self.clean_url = ""

    def start(self, timeout: float = 30.0) -> None:
        """Start serving; whatever the emulator writes to stderr goes to `log_path`."""
        with contextlib.ExitStack() as stack:
            log = (
                stack.enter_context(self._log_path.open("ab"))
                if self._log_path is not None
                else None
            )
            self._process = subprocess.Popen(
                [sys.executable, "-m", _MODULE, "--seed", str(self._seed)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
            )
        assert self._process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout)
        line = self._process.stdout.readline().decode() if ready else ""
        words = line.split()
        if len(words) != 3 or words[0] != "ports":
            self.stop()
            raise RuntimeError(f"the emulator process did not start within {timeout:g} s")
        self.faulty_url, self.clean_url = (f"http://{LOOPBACK}:{port}" for port in words[1:])

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def _control(self, body: dict[str, float] | None = None) -> dict[str, Any]:
        port = int(self.clean_url.rsplit(":", 1)[1])
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
        try:
            if body is None:
                connection.request("GET", CONTROL_PATH)
            else:
                payload = json.dumps(body).encode()
                connection.request("POST", CONTROL_PATH, body=payload)
            answer = connection.getresponse()
            text = answer.read()
        finally:
            connection.close()
        if answer.status != 200:
            raise RuntimeError(f"emulator fault control answered HTTP {answer.status}")
        document: dict[str, Any] = json.loads(text)
        return document

    def set_rate(self, rate: float) -> None:
        self._control({"rate": rate})

    def counts(self) -> FaultCounts:
        document = self._control()
        document.pop("rate", None)
        return FaultCounts(**document)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None and process.stdout is not None
        with contextlib.suppress(OSError):
            process.stdin.close()
        deadline = time.monotonic() + 5.0
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pcizone.local.chaos.emulator_process")
    parser.add_argument("--seed", type=int, default=0)
    serve(parser.parse_args(argv).seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
