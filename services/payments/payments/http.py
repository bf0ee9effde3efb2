"""API Gateway HTTP API (payload format 2.0) events in, Lambda proxy responses out."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

MAX_BODY_BYTES = 16 * 1024
# Base64 of MAX_BODY_BYTES bytes, plus padding: longer encoded bodies are too large unread.
_MAX_ENCODED_CHARS = 4 * ((MAX_BODY_BYTES + 2) // 3)


class MalformedEvent(Exception):
    """The event is not an HTTP API v2 request this function can read."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str  # as sent (percent-encoded)
    query_decoded: str  # percent-decoded: card data can hide in either form
    headers: Mapping[str, str]  # lower-case names
    body: bytes  # empty when absent or too large
    body_too_large: bool
    request_id: str
    principal: str  # who API Gateway's authorizer says is calling; "" without an authorizer

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def parse_event(event: object) -> Request:
    """Read an HTTP API v2 event; `MalformedEvent` if it lacks what every such event has."""
    if not isinstance(event, Mapping):
        raise MalformedEvent("event is not an object")
    context = event.get("requestContext")
    if not isinstance(context, Mapping) or not isinstance(context.get("http"), Mapping):
        raise MalformedEvent("event has no requestContext.http")
    http = context["http"]
    method = http.get("method")
    path = event.get("rawPath", http.get("path"))
    if not isinstance(method, str) or not isinstance(path, str):
        raise MalformedEvent("event has no method or path")
    request_id = context.get("requestId")
    raw_headers = event.get("headers") or {}
    if not isinstance(raw_headers, Mapping):
        raise MalformedEvent("event headers are not an object")
    headers = {str(k).lower(): str(v) for k, v in raw_headers.items()}
    query = event.get("rawQueryString") or ""
    body, too_large = _body(event.get("body"), bool(event.get("isBase64Encoded")))
    return Request(
        method=method.upper(),
        path=path,
        query=str(query),
        query_decoded=unquote_plus(str(query)),
        headers=headers,
        body=body,
        body_too_large=too_large,
        request_id=request_id if isinstance(request_id, str) and request_id else "unknown",
        principal=_principal(context),
    )


def _principal(context: Mapping[str, object]) -> str:
    """The caller's identity from the authorizer: JWT `sub`, IAM user ARN or a Lambda
    authorizer's `principalId` (HTTP API payload 2.0 shapes)."""
    authorizer = context.get("authorizer")
    if not isinstance(authorizer, Mapping):
        return ""
    for kind, path in (
        ("jwt", ("claims", "sub")),
        ("iam", ("userArn",)),
        ("lambda", ("principalId",)),
    ):
        node: object = authorizer.get(kind)
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if isinstance(node, str) and node:
            return f"{kind}:{node}"
    return ""


def _body(raw: object, is_base64: bool) -> tuple[bytes, bool]:
    if raw is None:
        return b"", False
    if not isinstance(raw, str):
        raise MalformedEvent("event body is not a string")
    if is_base64:
        if len(raw) > _MAX_ENCODED_CHARS:
            return b"", True
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedEvent("event body is not valid base64") from None
    else:
        if len(raw) > MAX_BODY_BYTES:  # every character is at least one byte
            return b"", True
        data = raw.encode("utf-8", "surrogatepass")
    if len(data) > MAX_BODY_BYTES:
        return b"", True
    return data, False


@dataclass
class Response:
    status: int
    body: Mapping[str, object]
    headers: dict[str, str] = field(default_factory=dict)

    def to_lambda(self, request_id: str) -> dict[str, object]:
        return {
            "statusCode": self.status,
            "headers": {
                "content-type": "application/json",
                "cache-control": "no-store",
                "x-request-id": request_id,
                **self.headers,
            },
            "body": json.dumps(self.body, separators=(",", ":"), ensure_ascii=False),
            "isBase64Encoded": False,
        }


def error(status: int, code: str, message: str, **extra: object) -> Response:
    return Response(status, {"error": message, "code": code, **extra})
