"""API Gateway HTTP API, payload format 2.0: the event a request becomes, and the HTTP
response a function's answer becomes.

Event rules (AWS's documented 2.0 format): header names lower-cased, repeated headers and
repeated query parameters joined with commas, cookies moved out of the headers into `cookies`,
`pathParameters` / `queryStringParameters` / `cookies` / `body` present only when non-empty,
and a body base64-encoded unless its content type is text (JSON, XML, JavaScript, text/*).
`requestContext.authorizer` is absent: IAM authorization is not emulated locally.

Answer rules: an object with `statusCode` is a structured response (statusCode, headers,
cookies, body, isBase64Encoded); any other JSON value means 200, `application/json`, and the
value as the body (a string as itself). A structured answer with the wrong types, a header
that would split the response, or bad base64 is malformed: `MalformedAnswer`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from pcizone.local.runtime.http_routes import RouteMatch

_TEXT_TYPES = re.compile(
    r"^(text/[^;]+|application/([\w.+-]+\+)?(json|xml)|application/(javascript|ecmascript))\s*(;.*)?$",
    re.IGNORECASE,
)
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# Set by the server from the body it sends; a function's value would contradict it.
_SERVER_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})
MAX_STATUS, MIN_STATUS = 599, 100


@dataclass(frozen=True)
class HttpRequest:
    method: str
    raw_path: str
    raw_query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    request_id: str
    time_epoch_ms: int = field(default_factory=lambda: int(time.time() * 1000))


@dataclass(frozen=True)
class HttpApiIdentity:
    api_id: str
    account_id: str
    default_domain: str  # when the request has no Host header


def is_text(content_type: str | None) -> bool:
    return content_type is not None and bool(_TEXT_TYPES.match(content_type.strip()))


def build_event(request: HttpRequest, route: RouteMatch, api: HttpApiIdentity) -> dict[str, Any]:
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    moment = datetime.fromtimestamp(request.time_epoch_ms / 1000, UTC)
    domain = headers.get("host") or api.default_domain
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": api.account_id,
            "apiId": api.api_id,
            "domainName": domain,
            "domainPrefix": domain.split(".", 1)[0],
            "http": {
                "method": request.method,
                "path": request.raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request.request_id,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": request.time_epoch_ms,
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    query = _join_repeated(parse_qsl(request.raw_query, keep_blank_values=True))
    if query:
        event["queryStringParameters"] = query
    if route.path_parameters:
        event["pathParameters"] = dict(route.path_parameters)
    if request.body:
        text = _as_text(request.body, headers.get("content-type"))
        if text is None:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
        else:
            event["body"] = text
    return event


def _join_repeated(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def _as_text(body: bytes, content_type: str | None) -> str | None:
    if not is_text(content_type):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class MalformedAnswer(Exception):
    """The function's answer is not a response API Gateway can send (the reason says why)."""


def json_response(status: int, message: str) -> HttpResponse:
    """API Gateway's own responses: `{"message": ...}` as JSON."""
    body = json.dumps({"message": message}).encode()
    return HttpResponse(status, [("content-type", "application/json")], body)


def map_answer(answer: Any) -> HttpResponse:
    """The HTTP response for a successful invocation's answer (2.0 format rules)."""
    if isinstance(answer, dict) and "statusCode" in answer:
        return _structured(answer)
    body = answer if isinstance(answer, str) else json.dumps(answer, separators=(",", ":"))
    return HttpResponse(200, [("content-type", "application/json")], body.encode("utf-8"))


def _structured(answer: dict[str, Any]) -> HttpResponse:
    status = answer["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int):
        raise MalformedAnswer("statusCode is not an integer")
    if not MIN_STATUS <= status <= MAX_STATUS:
        raise MalformedAnswer("statusCode is not an HTTP status")
    headers = [
        (name, value)
        for name, value in _headers(answer.get("headers"))
        if name.lower() not in _SERVER_HEADERS
    ]
    cookies = answer.get("cookies")
    if cookies is not None:
        if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
            raise MalformedAnswer("cookies is not a list of strings")
        for cookie in cookies:
            _check_value(cookie)
            headers.append(("set-cookie", cookie))
    body = answer.get("body")
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise MalformedAnswer("body is not a string")
    encoded = answer.get("isBase64Encoded", False)
    if not isinstance(encoded, bool):
        raise MalformedAnswer("isBase64Encoded is not a boolean")
    if encoded:
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedAnswer("body is not valid base64") from None
    else:
        data = body.encode("utf-8", "surrogatepass")
    return HttpResponse(status, headers, data)


def _headers(raw: object) -> list[tuple[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise MalformedAnswer("headers is not an object")
    headers: list[tuple[str, str]] = []
    for name, value in raw.items():
        if not _HEADER_NAME.match(name):
            raise MalformedAnswer("a header name is not a valid HTTP token")
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int | float | str):
            text = str(value)
        else:
            raise MalformedAnswer("a header value is not a string, number or boolean")
        _check_value(text)
        headers.append((name.lower(), text))
    return headers


def _check_value(value: str) -> None:
    if any(ch in value for ch in "\r\n\0"):
        raise MalformedAnswer("a header value holds a line break")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise MalformedAnswer("a header value is not ISO-8859-1 text") from None
