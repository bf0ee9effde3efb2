"""Route selection, API Gateway v2 event building and answer mapping (pure functions)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pcizone.local.runtime.errors import RuntimeConfigError
from pcizone.local.runtime.http_event import (
    HttpApiIdentity,
    HttpRequest,
    MalformedAnswer,
    build_event,
    map_answer,
)
from pcizone.local.runtime.http_routes import RouteMatch, RouteTable
from pcizone.local.runtime.specs import HttpRouteSpec

API = HttpApiIdentity("abc123", "123456789012", "127.0.0.1:9999")


def table(*keys: str) -> RouteTable:
    return RouteTable([HttpRouteSpec(key, f"fn{i}") for i, key in enumerate(keys)])


def test_routes_pick_the_most_specific_match() -> None:
    routes = table(
        "ANY /{proxy+}",
        "GET /payments/{id}",
        "GET /payments/export",
        "ANY /payments/{id}",
        "POST /payments",
        "$default",
    )
    assert routes.match("GET", "/payments/export") == RouteMatch("GET /payments/export", "fn2", {})
    assert routes.match("GET", "/payments/pay_1") == RouteMatch(
        "GET /payments/{id}", "fn1", {"id": "pay_1"}
    )
    assert routes.match("DELETE", "/payments/pay_1") == RouteMatch(
        "ANY /payments/{id}", "fn3", {"id": "pay_1"}
    )
    assert routes.match("post", "/payments") == RouteMatch("POST /payments", "fn4", {})
    assert routes.match("GET", "/a/b/c") == RouteMatch("ANY /{proxy+}", "fn0", {"proxy": "a/b/c"})
    assert routes.match("GET", "/") == RouteMatch("$default", "fn5", {})


def test_unmatched_paths_and_methods_find_no_route() -> None:
    routes = table("POST /payments", "GET /payments/{id}")
    assert routes.match("GET", "/payments") is None
    assert routes.match("GET", "/payments/") is None  # an empty parameter matches nothing
    assert routes.match("GET", "/payments/a/b") is None
    assert routes.match("POST", "/payments/x") is None


def test_path_parameters_are_percent_decoded() -> None:
    match = table("GET /payments/{id}").match("GET", "/payments/pay%20one")
    assert match is not None and match.path_parameters == {"id": "pay one"}


@pytest.mark.parametrize(
    "key",
    ["FETCH /x", "GET x", "GET /a/{b+}/c", "GET /a/{b", "GET /a b"],
)
def test_bad_route_keys_are_refused(key: str) -> None:
    with pytest.raises(RuntimeConfigError, match="route"):
        HttpRouteSpec(key, "fn")


def request(**overrides: Any) -> HttpRequest:
    fields: dict[str, Any] = {
        "method": "POST",
        "raw_path": "/payments/p%201",
        "raw_query": "a=1&a=2&b=&c=x%20y",
        "headers": [
            ("Content-Type", "application/json"),
            ("X-Multi", "one"),
            ("x-multi", "two"),
            ("Cookie", "s=1; t=2"),
            ("User-Agent", "tester"),
            ("Host", "127.0.0.1:8080"),
        ],
        "body": b'{"amount": 1}',
        "source_ip": "127.0.0.1",
        "request_id": "req-1",
        "time_epoch_ms": 1_583_348_638_390,
    }
    fields.update(overrides)
    return HttpRequest(**fields)


def test_event_has_the_v2_shape() -> None:
    route = RouteMatch("POST /payments/{id}", "fn", {"id": "p 1"})
    event = build_event(request(), route, API)
    assert event == {
        "version": "2.0",
        "routeKey": "POST /payments/{id}",
        "rawPath": "/payments/p%201",
        "rawQueryString": "a=1&a=2&b=&c=x%20y",
        "cookies": ["s=1", "t=2"],
        "headers": {
            "content-type": "application/json",
            "x-multi": "one,two",
            "user-agent": "tester",
            "host": "127.0.0.1:8080",
        },
        "queryStringParameters": {"a": "1,2", "b": "", "c": "x y"},
        "pathParameters": {"id": "p 1"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "127.0.0.1:8080",
            "domainPrefix": "127",
            "http": {
                "method": "POST",
                "path": "/payments/p%201",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "tester",
            },
            "requestId": "req-1",
            "routeKey": "POST /payments/{id}",
            "stage": "$default",
            "time": "04/Mar/2020:19:03:58 +0000",
            "timeEpoch": 1_583_348_638_390,
        },
        "body": '{"amount": 1}',
        "isBase64Encoded": False,
    }


def test_optional_fields_are_absent_when_empty() -> None:
    event = build_event(
        request(raw_query="", headers=[], body=b""), RouteMatch("$default", "fn", {}), API
    )
    for absent in ("cookies", "queryStringParameters", "pathParameters", "body"):
        assert absent not in event
    assert event["headers"] == {}
    assert event["requestContext"]["domainName"] == "127.0.0.1:9999"
    assert event["isBase64Encoded"] is False


@pytest.mark.parametrize(
    ("content_type", "body", "encoded"),
    [
        ("application/json; charset=utf-8", b'{"a": "\xc3\xa9"}', False),
        ("text/plain", b"hello", False),
        ("application/problem+json", b"{}", False),
        ("application/xml", b"<a/>", False),
        ("application/x-www-form-urlencoded", b"a=1", True),
        ("application/octet-stream", b"\x00\x01", True),
        (None, b"hello", True),
        ("application/json", b"\xff\xfe", True),  # not UTF-8: cannot be sent as text
    ],
)
def test_body_is_base64_unless_it_is_text(
    content_type: str | None, body: bytes, encoded: bool
) -> None:
    headers = [("content-type", content_type)] if content_type else []
    event = build_event(request(headers=headers, body=body), RouteMatch("$default", "fn", {}), API)
    assert event["isBase64Encoded"] is encoded
    sent = base64.b64decode(event["body"]) if encoded else event["body"].encode()
    assert sent == body


def test_structured_answer_maps_status_headers_cookies_body() -> None:
    response = map_answer(
        {
            "statusCode": 201,
            "headers": {
                "Content-Type": "application/json",
                "X-Count": 3,
                "x-flag": False,
                "Content-Length": "999",
                "x-none": None,
            },
            "cookies": ["a=1; Path=/"],
            "body": '{"ok": true}',
        }
    )
    assert response.status == 201
    assert response.headers == [
        ("content-type", "application/json"),
        ("x-count", "3"),
        ("x-flag", "false"),
        ("set-cookie", "a=1; Path=/"),
    ]
    assert response.body == b'{"ok": true}'


def test_base64_answer_is_decoded() -> None:
    response = map_answer(
        {"statusCode": 200, "body": base64.b64encode(b"\x00\xff").decode(), "isBase64Encoded": True}
    )
    assert response.body == b"\x00\xff"


@pytest.mark.parametrize(
    ("answer", "body"),
    [
        ({"hello": "world"}, b'{"hello":"world"}'),
        ("Hello from Lambda!", b"Hello from Lambda!"),
        ([1, 2], b"[1,2]"),
        (None, b"null"),
        (42, b"42"),
    ],
)
def test_answers_without_status_code_are_200_json(answer: Any, body: bytes) -> None:
    response = map_answer(answer)
    assert response.status == 200
    assert response.headers == [("content-type", "application/json")]
    assert response.body == body


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"statusCode": "200"}, "statusCode is not an integer"),
        ({"statusCode": True}, "statusCode is not an integer"),
        ({"statusCode": 99}, "statusCode is not an HTTP status"),
        ({"statusCode": 200, "body": {"a": 1}}, "body is not a string"),
        ({"statusCode": 200, "headers": ["a"]}, "headers is not an object"),
        ({"statusCode": 200, "headers": {"a b": "1"}}, "a header name is not a valid HTTP token"),
        ({"statusCode": 200, "headers": {"a": {"b": 1}}}, "a header value is not a string"),
        ({"statusCode": 200, "headers": {"a": "1\r\nx: y"}}, "a header value holds a line break"),
        ({"statusCode": 200, "headers": {"a": "\u20ac"}}, "a header value is not ISO-8859-1 text"),
        ({"statusCode": 200, "cookies": "a=1"}, "cookies is not a list of strings"),
        ({"statusCode": 200, "body": "%%%", "isBase64Encoded": True}, "body is not valid base64"),
        ({"statusCode": 200, "isBase64Encoded": "yes"}, "isBase64Encoded is not a boolean"),
    ],
)
def test_malformed_structured_answers_are_refused(answer: dict[str, Any], reason: str) -> None:
    with pytest.raises(MalformedAnswer, match="^" + reason.replace("(", r"\(")):
        map_answer(answer)


def test_event_is_json_serialisable_with_binary_bodies() -> None:
    event = build_event(
        request(headers=[], body=bytes(range(256))), RouteMatch("$default", "fn", {}), API
    )
    assert json.loads(json.dumps(event)) == event


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    path=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF), max_size=60),
    query=st.text(max_size=60),
    headers=st.lists(st.tuples(_TEXT, _TEXT), max_size=6),
    body=st.binary(max_size=200),
)
def test_any_request_becomes_a_json_event(
    method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes
) -> None:
    routes = table("ANY /{proxy+}", "$default")
    route = routes.match(method, "/" + path)
    assert route is not None
    event = build_event(
        request(method=method, raw_path="/" + path, raw_query=query, headers=headers, body=body),
        route,
        API,
    )
    assert json.loads(json.dumps(event)) == event
    sent = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event.get("body", "")
    assert (sent if isinstance(sent, bytes) else sent.encode()) == body


@settings(max_examples=300, deadline=None)
@given(
    answer=_JSON
    | st.fixed_dictionaries(
        {"statusCode": st.integers(0, 700) | _JSON},
        optional={"headers": _JSON, "body": _JSON, "cookies": _JSON, "isBase64Encoded": _JSON},
    )
)
def test_any_answer_maps_to_a_response_or_is_refused(answer: Any) -> None:
    try:
        response = map_answer(answer)
    except MalformedAnswer:
        return
    assert 100 <= response.status <= 599
    for name, value in response.headers:
        assert "\r" not in name + value and "\n" not in name + value
        value.encode("latin-1")
