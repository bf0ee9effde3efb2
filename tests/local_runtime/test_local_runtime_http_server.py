"""The local HTTP API over real sockets: routing, events, answers, limits and error codes."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pcizone.local.runtime import HttpRouteSpec, LocalRuntime, RuntimeTuning

from .conftest import RuntimeFactory, function

PAN = "4111111111111111"
ROUTES = [
    HttpRouteSpec("POST /echo/{id}", "router"),
    HttpRouteSpec("GET /bare-dict", "router"),
    HttpRouteSpec("GET /bare-string", "router"),
    HttpRouteSpec("GET /binary", "router"),
    HttpRouteSpec("GET /malformed", "router"),
    HttpRouteSpec("GET /header-injection", "router"),
    HttpRouteSpec("GET /boom", "router"),
    HttpRouteSpec("GET /slow", "limited"),
]


@pytest.fixture
def api(make_runtime: RuntimeFactory) -> Iterator[LocalRuntime]:
    runtime = make_runtime(
        [
            function("router", "http_router"),
            function("limited", "http_router", reserved=1, timeout=3),
        ],
        routes=ROUTES,
        tuning=RuntimeTuning(acquire_timeout_seconds=0.2),
    )
    yield runtime


def connect(runtime: LocalRuntime) -> http.client.HTTPConnection:
    assert runtime.api_url is not None
    parts = urlsplit(runtime.api_url)
    assert parts.hostname == "127.0.0.1"
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


def call(
    runtime: LocalRuntime,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = connect(runtime)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def raw(runtime: LocalRuntime, data: bytes) -> bytes:
    assert runtime.api_url is not None
    port = urlsplit(runtime.api_url).port
    assert port is not None
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_request_becomes_a_v2_event_and_the_answer_a_response(api: LocalRuntime) -> None:
    status, headers, body = call(
        api,
        "POST",
        "/echo/pay_1?x=1&x=2",
        body=b'{"amount": 5}',
        headers={"Content-Type": "application/json", "Idempotency-Key": "k-1", "Cookie": "c=1"},
    )
    assert status == 201
    assert headers["content-type"] == "application/json"
    assert headers["x-count"] == "3"
    assert headers["x-flag"] == "true"
    assert headers.get_all("set-cookie") == ["a=1; Path=/", "b=2"]
    assert headers["apigw-requestid"]
    event = json.loads(body)
    assert event["routeKey"] == "POST /echo/{id}"
    assert event["rawPath"] == "/echo/pay_1"
    assert event["rawQueryString"] == "x=1&x=2"
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["pathParameters"] == {"id": "pay_1"}
    assert event["headers"]["idempotency-key"] == "k-1"
    assert event["cookies"] == ["c=1"]
    assert event["body"] == '{"amount": 5}'
    assert event["isBase64Encoded"] is False
    assert event["requestContext"]["requestId"] == headers["apigw-requestid"]
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert event["requestContext"]["http"]["method"] == "POST"
    assert "authorizer" not in event["requestContext"]  # IAM auth is not emulated
    assert api.describe()["iam_auth_emulated"] is False


@pytest.mark.parametrize(
    ("path", "status", "content_type", "body"),
    [
        ("/bare-dict", 200, "application/json", b'{"hello":"world"}'),
        ("/bare-string", 200, "application/json", b"plain words"),
        ("/binary", 200, "application/octet-stream", b"\x00\x01\xff"),
        ("/nowhere", 404, "application/json", b'{"message": "Not Found"}'),
        ("/boom", 500, "application/json", b'{"message": "Internal Server Error"}'),
        ("/malformed", 502, "application/json", b'{"message": "Internal Server Error"}'),
        ("/header-injection", 502, "application/json", b'{"message": "Internal Server Error"}'),
    ],
)
def test_answers_and_errors_map_to_http(
    api: LocalRuntime, path: str, status: int, content_type: str, body: bytes
) -> None:
    got_status, headers, got_body = call(api, "GET", path)
    assert (got_status, headers["content-type"], got_body) == (status, content_type, body)
    assert "evil" not in str(headers)


def test_bodies_over_the_limits_are_413(api: LocalRuntime) -> None:
    # Over API Gateway's 10 MB: refused from the header alone, the body never read.
    answer = raw(
        api,
        b"POST /echo/x HTTP/1.1\r\nHost: a\r\nContent-Length: 10485761\r\n"
        b"Content-Type: application/json\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 413 ")
    # Under 10 MB but over Lambda's 6 MB invocation limit once in the event.
    status, _headers, body = call(
        api,
        "POST",
        "/echo/x",
        body=b"a" * (7 * 1024 * 1024),
        headers={"Content-Type": "text/plain"},
    )
    assert (status, json.loads(body)) == (413, {"message": "Request Entity Too Large"})


def test_chunked_bodies_are_read_and_broken_framing_is_400(api: LocalRuntime) -> None:
    answer = raw(
        api,
        b"POST /echo/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
        b"Content-Type: text/plain\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 201 ")
    event = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert event["body"] == "hello world"
    for framing in (
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        b"Transfer-Encoding: gzip\r\n\r\n",
        b"Content-Length: -1\r\n\r\n",
        b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    ):
        answer = raw(api, b"POST /echo/x HTTP/1.1\r\nHost: a\r\n" + framing)
        assert answer.startswith(b"HTTP/1.1 400 "), framing


def test_binary_bodies_reach_the_function_base64_encoded(api: LocalRuntime) -> None:
    status, _headers, body = call(
        api,
        "POST",
        "/echo/x",
        body=b"\x00\xff",
        headers={"Content-Type": "application/octet-stream"},
    )
    event = json.loads(body)
    assert status == 201
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xff"


def test_a_busy_function_is_throttled_with_429(api: LocalRuntime) -> None:
    statuses: list[int] = []

    def slow_call() -> None:
        statuses.append(call(api, "GET", "/slow?s=1")[0])

    thread = threading.Thread(target=slow_call)
    thread.start()
    while not any(e.function_name == "limited" and e.busy for e in api.environments()):
        threading.Event().wait(0.02)
    statuses.append(call(api, "GET", "/slow?s=0")[0])
    thread.join()
    assert sorted(statuses) == [204, 429]


def test_keep_alive_connections_serve_several_requests(api: LocalRuntime) -> None:
    connection = connect(api)
    try:
        for _ in range(3):
            connection.request("GET", "/bare-dict")
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, b'{"hello":"world"}')
    finally:
        connection.close()


def test_nothing_a_client_sends_is_echoed_or_logged(api: LocalRuntime, tmp_path: Path) -> None:
    answers = [
        raw(api, f"GET /{PAN} HTTP/1.1 junk\r\n\r\n".encode()),
        raw(api, f"GET /x{PAN} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".encode()),
        raw(api, f"{PAN} / HTTP/1.1\r\nConnection: close\r\n\r\n".encode()),
        raw(api, f"GET http://[{PAN} HTTP/1.1\r\nConnection: close\r\n\r\n".encode()),
        raw(api, f"GET /{PAN}\r\n\r\n".encode()),  # HTTP/0.9
    ]
    assert [a.split(b" ", 2)[1] for a in answers] == [b"400", b"404", b"501", b"400", b"400"]
    assert not [a for a in answers if PAN.encode() in a]
    api.stop()
    logged = (tmp_path / "logs" / "local-runtime.log").read_text()
    assert PAN not in logged
    http_events = [json.loads(line) for line in logged.splitlines() if '"event":"http"' in line]
    assert {e["status"] for e in http_events} >= {404}
    assert all("path" not in e for e in http_events)


def describe_routes(api: LocalRuntime) -> list[dict[str, Any]]:
    return list(api.describe()["routes"])


def test_describe_lists_routes(api: LocalRuntime) -> None:
    assert describe_routes(api)[0] == {"route_key": "POST /echo/{id}", "function": "router"}
    assert any("IAM authorization" in note for note in api.notes())


def test_stop_drains_requests_in_flight_and_then_refuses_connections(api: LocalRuntime) -> None:
    statuses: list[int] = []
    thread = threading.Thread(target=lambda: statuses.append(call(api, "GET", "/slow?s=1")[0]))
    thread.start()
    while not any(e.function_name == "limited" and e.busy for e in api.environments()):
        threading.Event().wait(0.02)
    api.stop(drain=True)
    thread.join()
    assert statuses == [204]
    with pytest.raises(ConnectionRefusedError):
        call(api, "GET", "/bare-dict")  # api_url still names where it listened
