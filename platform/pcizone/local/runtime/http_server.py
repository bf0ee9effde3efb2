"""The local HTTP API: a threaded HTTP/1.1 server on 127.0.0.1 in front of the functions.

Each request is matched to a route, turned into a payload-format-2.0 event, and invoked
synchronously; the answer becomes the response. What API Gateway answers itself:

- 404 `Not Found`: no route matches;
- 413 `Request Entity Too Large`: a body over 10 MB (API Gateway's payload limit) or an event
  over 6 MB (Lambda's synchronous invocation limit);
- 400 `Bad Request`: an unreadable request (bad Content-Length, broken chunked encoding);
- 500 `Internal Server Error`: the function raised, timed out, crashed, could not start, or
  answered more than 6 MB;
- 502 `Internal Server Error`: its answer is malformed;
- 429 `Too Many Requests`: the function stayed at its concurrency limit;
- 503 `Service Unavailable`: the integration took over 30 s, or the runtime is stopping.

Nothing a client sent is echoed in an error or written to a log (a path or body could hold a
card number): the runtime's log gets the route key, status, timing and request ids only.
"""

from __future__ import annotations

import concurrent.futures
import json
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from pcizone.local.runtime.errors import LocalRuntimeError
from pcizone.local.runtime.http_event import (
    HttpApiIdentity,
    HttpRequest,
    HttpResponse,
    MalformedAnswer,
    build_event,
    json_response,
    map_answer,
)
from pcizone.local.runtime.http_routes import RouteMatch, RouteTable
from pcizone.local.runtime.invocation import InvocationOutcome
from pcizone.local.runtime.logs import EventLog

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway HTTP API payload limit
MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024  # Lambda synchronous invocation, request and response
INTEGRATION_TIMEOUT_SECONDS = 30.0  # HTTP API's maximum integration timeout
SOCKET_TIMEOUT_SECONDS = 30.0  # a client that stops sending mid-request frees its thread
_MAX_CHUNK_LINE = 1024

Invoker = Callable[[str, Any], InvocationOutcome]


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the load test opens many connections at once

    def __init__(self, api: LocalHttpApi) -> None:
        self.api = api
        self.stopping = False
        self._active = 0
        self._active_cond = threading.Condition()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._active_cond:
            self._active += 1
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._active_cond:
                self._active -= 1
                self._active_cond.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A request that broke the handler: record the error's type, never its text (an
        exception message can quote the input)."""
        import sys

        self.api.events.event("http_handler_error", error=type(sys.exc_info()[1]).__name__)

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._active_cond:
            while self._active:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._active_cond.wait(remaining)
        return True


class LocalHttpApi:
    """`start()` binds a free port on 127.0.0.1; `url` is where to send requests."""

    def __init__(
        self,
        routes: RouteTable,
        invoke: Invoker,
        function_timeouts: dict[str, int],
        api_id: str,
        account_id: str,
        events: EventLog,
    ) -> None:
        self.routes = routes
        self.invoke = invoke
        self.function_timeouts = function_timeouts
        self.api_id = api_id
        self.account_id = account_id
        self.identity = HttpApiIdentity(api_id, account_id, "127.0.0.1")
        self.events = events
        self._server: _Server | None = None
        self._url = ""
        self._thread: threading.Thread | None = None
        # Only for functions whose timeout exceeds the integration timeout.
        self._slow = concurrent.futures.ThreadPoolExecutor(thread_name_prefix="http-slow-invoke")

    @property
    def url(self) -> str:
        """Where the API listens (or listened, once stopped)."""
        return self._url

    def start(self) -> None:
        self._server = _Server(self)
        port = self._server.server_address[1]
        self._url = f"http://127.0.0.1:{port}"
        self.identity = HttpApiIdentity(self.api_id, self.account_id, f"127.0.0.1:{port}")
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="local-http-api",
            daemon=True,
        )
        self._thread.start()
        self.events.event("http_api_started", url=self.url)

    def stop(self, timeout: float) -> None:
        """Stop accepting requests and wait (up to `timeout`) for those in flight."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping = True  # keep-alive connections get their answer, then close
        server.shutdown()
        server.server_close()
        if not server.wait_idle(timeout):
            self.events.event("http_api_stop_timeout", seconds=timeout)
        if self._thread is not None:
            self._thread.join(timeout)
        self._slow.shutdown(wait=False, cancel_futures=True)

    # -- request handling (called from the handler's thread) -------------------------------

    def respond(self, request: HttpRequest) -> tuple[HttpResponse, dict[str, Any]]:
        """The response for one request, and the fields of its access-log event."""
        route = self.routes.match(request.method, request.raw_path)
        if route is None:
            return json_response(404, "Not Found"), {"route_key": None}
        fields: dict[str, Any] = {"route_key": route.route_key, "function": route.function_name}
        event = build_event(request, route, self.identity)
        encoded_size = len(json.dumps(event))
        if encoded_size > MAX_INVOKE_PAYLOAD_BYTES:
            return json_response(413, "Request Entity Too Large"), fields
        try:
            outcome = self._invoke(route, event)
        except LocalRuntimeError:  # the runtime is stopping (PoolClosed) or not started
            return json_response(503, "Service Unavailable"), fields
        except concurrent.futures.TimeoutError:
            return json_response(503, "Service Unavailable"), {
                **fields,
                "outcome": "integration_timeout",
            }
        fields.update(
            lambda_request_id=outcome.request_id,
            outcome=outcome.status,
            error_type=outcome.error_type or None,
            cold_start=outcome.cold_start,
        )
        if outcome.status == "throttled":
            return json_response(429, "Too Many Requests"), fields
        if not outcome.ok:
            return json_response(500, "Internal Server Error"), fields
        try:
            return map_answer(outcome.result()), fields
        except MalformedAnswer as exc:
            return json_response(502, "Internal Server Error"), {**fields, "reason": str(exc)}

    def _invoke(self, route: RouteMatch, event: dict[str, Any]) -> InvocationOutcome:
        if self.function_timeouts.get(route.function_name, 0) <= INTEGRATION_TIMEOUT_SECONDS:
            return self.invoke(route.function_name, event)
        future = self._slow.submit(self.invoke, route.function_name, event)
        return future.result(timeout=INTEGRATION_TIMEOUT_SECONDS)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pcizone-local-api"
    sys_version = ""
    timeout = SOCKET_TIMEOUT_SECONDS
    # Headers and body go out in two writes; with Nagle's algorithm the body of a kept-alive
    # connection could wait for the client's delayed ACK (up to 40 ms).
    disable_nagle_algorithm = True
    server: _Server

    # http.server's own logging and error pages would echo the request line: keep both quiet.
    def log_message(self, format: str, *args: Any) -> None:
        return

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        phrase = self.responses.get(code, ("Error", ""))[0]
        self.close_connection = True
        # http.server leaves the version at HTTP/0.9 for a broken request line, and would then
        # send no status line at all.
        self.request_version = self.protocol_version
        self._send(json_response(code, phrase), request_id=None)

    def handle_expect_100(self) -> bool:
        try:
            length = _content_length(self.headers.get_all("content-length") or [])
        except BadRequest as exc:
            self.send_error(exc.status)
            return False
        if length is not None and length > MAX_BODY_BYTES:
            self.send_error(413)
            return False
        return super().handle_expect_100()

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _handle(self) -> None:
        started = time.monotonic()
        api = self.server.api
        request_id = secrets.token_urlsafe(12)
        try:
            if self.request_version == "HTTP/0.9":  # API Gateway speaks HTTP/1.1 and up
                self.request_version = self.protocol_version
                raise BadRequest(400, "Bad Request")
            raw_path, raw_query = _split_target(self.path)
            body = self._read_body()
        except BadRequest as exc:
            self.close_connection = True
            response, fields = json_response(exc.status, exc.message), {"route_key": None}
        else:
            request = HttpRequest(
                method=self.command,
                raw_path=raw_path,
                raw_query=raw_query,
                headers=list(self.headers.items()),
                body=body,
                source_ip=str(self.client_address[0]),
                request_id=request_id,
            )
            response, fields = api.respond(request)
        if self.server.stopping:
            self.close_connection = True
        self._send(response, request_id)
        api.events.event(
            "http",
            request_id=request_id,
            method=self.command,
            status=response.status,
            duration_ms=round((time.monotonic() - started) * 1000, 2),
            **fields,
        )

    def _read_body(self) -> bytes:
        encodings = [v.strip().lower() for v in self.headers.get_all("transfer-encoding") or []]
        lengths = self.headers.get_all("content-length") or []
        if encodings:
            if lengths:  # both framings at once is how requests get smuggled
                raise BadRequest(400, "Bad Request")
            if encodings != ["chunked"]:
                raise BadRequest(400, "Bad Request")
            return self._read_chunked()
        length = _content_length(lengths)
        if not length:
            return b""
        if length > MAX_BODY_BYTES:
            raise BadRequest(413, "Request Entity Too Large")
        body = self.rfile.read(length)
        if len(body) != length:
            raise BadRequest(400, "Bad Request")
        return body

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(_MAX_CHUNK_LINE)
            if not line.endswith(b"\n"):
                raise BadRequest(400, "Bad Request")
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise BadRequest(400, "Bad Request") from None
            if size < 0:
                raise BadRequest(400, "Bad Request")
            if size == 0:
                break
            total += size
            if total > MAX_BODY_BYTES:
                raise BadRequest(413, "Request Entity Too Large")
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.readline(_MAX_CHUNK_LINE).strip():
                raise BadRequest(400, "Bad Request")
            chunks.append(chunk)
        while True:  # trailer fields, up to the blank line
            line = self.rfile.readline(_MAX_CHUNK_LINE)
            if not line.endswith(b"\n"):
                raise BadRequest(400, "Bad Request")
            if not line.strip():
                break
        return b"".join(chunks)

    def _send(self, response: HttpResponse, request_id: str | None) -> None:
        self.send_response_only(response.status)
        self.send_header("date", self.date_time_string())
        for name, value in response.headers:
            self.send_header(name, value)
        if request_id is not None:
            self.send_header("apigw-requestid", request_id)
        self.send_header("content-length", str(len(response.body)))
        if self.close_connection:
            self.send_header("connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)


def _content_length(values: list[str]) -> int | None:
    if not values:
        return None
    if len(set(values)) != 1 or not values[0].strip().isdigit():
        raise BadRequest(400, "Bad Request")
    return int(values[0].strip())


def _split_target(target: str) -> tuple[str, str]:
    """rawPath and rawQueryString of a request target (origin or absolute form)."""
    if target.startswith("/"):
        path, _mark, query = target.partition("?")
    elif target.lower().startswith(("http://", "https://")):
        try:
            parts = urlsplit(target)
        except ValueError:  # e.g. an unclosed IPv6 bracket in the authority
            raise BadRequest(400, "Bad Request") from None
        path, query = parts.path or "/", parts.query
    else:
        raise BadRequest(400, "Bad Request")
    return path.partition("#")[0], query.partition("#")[0]
