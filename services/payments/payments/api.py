"""The payments HTTP API: POST /payments and GET /payments/{id}.

Order of checks for every request (each refusal is a 4xx with a JSON error, never a 5xx):
card data anywhere in the path, query, headers or raw body (400; a body over the size limit is
never read) → route (404/405) → body size (413) → content type (415) → JSON syntax (400) →
card data in the parsed document, which catches escaped digits (400) → every field problem at
once (400). Nothing a client sent is logged: events carry the route, status, correlation ids
and the guard's reason category.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import psycopg
from pydantic import ValidationError

from payments import idempotency, outbox, store
from payments.app import App
from payments.db.connection import Connection
from payments.guard import CARD_DATA_MESSAGE, Reason, document_reason, headers_reason, text_reason
from payments.http import MAX_BODY_BYTES, MalformedEvent, Request, Response, error, parse_event
from payments.ids import is_payment_id, new_payment_id, short_hash
from payments.logging import bind_correlation, clear_correlation
from payments.models import (
    IDEMPOTENCY_HEADER,
    CreatePayment,
    field_errors,
    idempotency_key_errors,
    validate_create,
)
from payments.pan import contains_pan, mask_pans

RETRY_AFTER = {"retry-after": "1"}
_SAFE_JSON_MESSAGES = frozenset(
    {
        "duplicate key in a JSON object",
        "NaN is not valid JSON",
        "Infinity is not valid JSON",
        "-Infinity is not valid JSON",
    }
)
Handler = Callable[[App, Request], Response]


class _Duplicate(Exception):
    """Another transaction committed the same Idempotency-Key first: replay its response."""


def handle(app: App, event: object, context: object = None) -> dict[str, object]:
    """Lambda proxy response for one HTTP API event; unexpected failures become a bare 500."""
    clear_correlation()
    started = time.perf_counter()
    request_id = getattr(context, "aws_request_id", None)
    request_id = request_id if isinstance(request_id, str) else "unknown"
    route = "unknown"
    try:
        request = parse_event(event)
        request_id = request.request_id
        bind_correlation(request_id=request_id)
        route, response = _route(app, request)
    except MalformedEvent as exc:
        response = error(400, "malformed_request", f"malformed request: {exc}")
    except psycopg.OperationalError:
        app.log.exception("database_unavailable")
        response = error(503, "unavailable", "service unavailable; retry later", retryable=True)
        response.headers.update(RETRY_AFTER)
    except Exception:
        app.log.exception("request_failed", route=route)
        response = error(500, "internal_error", "internal error; retry later", retryable=True)
    if contains_pan(response.body):  # last line of defence: never send card data back
        app.log.error("response_withheld", route=route)
        response = error(500, "internal_error", "internal error")
    # Echoed in x-request-id; the event's requestId is not ours to trust with card data.
    request_id = mask_pans(request_id)
    app.log.info(
        "request",
        route=route,
        status=response.status,
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
    )
    return response.to_lambda(request_id)


def _route(app: App, request: Request) -> tuple[str, Response]:
    reason = (
        text_reason(request.path)
        or text_reason(request.query)
        or text_reason(request.query_decoded)
        or headers_reason(request.headers)
        or text_reason(request.body.decode("utf-8", "replace"))  # empty when over the limit
    )
    if reason:
        return "guard", _card_data(app, reason, "guard")
    parts = [p for p in request.path.split("/") if p]
    if parts == ["payments"]:
        return "POST /payments", _dispatch(app, request, "POST", _create)
    if len(parts) == 2 and parts[0] == "payments":
        return "GET /payments/{id}", _dispatch(app, request, "GET", _get)
    return "unknown", error(404, "not_found", "not found")


def _dispatch(app: App, request: Request, method: str, then: Handler) -> Response:
    if request.method != method:
        response = error(405, "method_not_allowed", "method not allowed")
        response.headers["allow"] = method
        return response
    if request.body_too_large:
        return error(413, "body_too_large", f"request body is larger than {MAX_BODY_BYTES} bytes")
    return then(app, request)


def _card_data(app: App, reason: Reason, route: str) -> Response:
    app.log.warning("card_data_rejected", reason=reason, route=route)
    return error(400, "card_data_rejected", CARD_DATA_MESSAGE)


def _get(app: App, request: Request) -> Response:
    payment_id = request.path.rstrip("/").rsplit("/", 1)[-1]
    if not is_payment_id(payment_id):
        return error(404, "not_found", "payment not found")
    bind_correlation(payment_id=payment_id)
    with app.db.session() as conn:
        payment = store.get_payment(conn, payment_id)
        if payment is None:
            return error(404, "not_found", "payment not found")
        events = store.history(conn, payment_id)
    return Response(200, store.public_view(payment, events))


def _create(app: App, request: Request) -> Response:
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return error(415, "unsupported_media_type", "Content-Type must be application/json")
    try:
        document = json.loads(
            request.body.decode("utf-8"),
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_no_constants,
        )
    except UnicodeDecodeError:
        return error(400, "malformed_json", "request body is not valid UTF-8")
    except (ValueError, RecursionError) as exc:
        return error(400, "malformed_json", f"malformed JSON body: {_json_problem(exc)}")
    reason = document_reason(document)
    if reason:
        return _card_data(app, reason, "POST /payments")
    key = request.header(IDEMPOTENCY_HEADER)
    problems = idempotency_key_errors(key)
    payment_request: CreatePayment | None = None
    try:
        payment_request = validate_create(document, app.settings.max_amount_minor)
    except ValidationError as exc:
        problems += field_errors(exc)
    if problems or payment_request is None or key is None:
        return error(400, "validation_failed", "invalid request", errors=problems)
    bind_correlation(idempotency_key_hash=short_hash(key))
    try:
        return _create_payment(app, idempotency.key_hash(request.principal, key), payment_request)
    except psycopg.errors.LockNotAvailable:
        app.log.info("idempotency_key_in_flight")
        message = f"a request with this {IDEMPOTENCY_HEADER} is still being processed; retry later"
        return Response(
            409,
            {"error": message, "code": "idempotency_key_in_use", "retryable": True},
            RETRY_AFTER,
        )
    except psycopg.OperationalError:
        app.log.exception("database_unavailable")
        message = f"service unavailable; retry with the same {IDEMPOTENCY_HEADER}"
        return Response(
            503, {"error": message, "code": "unavailable", "retryable": True}, RETRY_AFTER
        )


def _create_payment(app: App, key_hash: bytes, payment_request: CreatePayment) -> Response:
    request_hash = idempotency.request_hash(payment_request)
    ttl_days = app.settings.idempotency_ttl_days
    with app.db.session() as conn:
        try:
            with conn.transaction():
                conn.execute(
                    "SELECT set_config('lock_timeout', %s, true)", (f"{app.lock_timeout_ms}ms",)
                )
                stored = idempotency.find(conn, key_hash)
                if stored is not None:
                    return _replay(app, stored, request_hash)
                payment_id = new_payment_id()
                bind_correlation(payment_id=payment_id)
                payment = store.insert_payment(conn, payment_id, payment_request)
                outbox_id = outbox.add(conn, payment_id)
                body = store.public_view(payment)
                if not idempotency.store(
                    conn, key_hash, request_hash, payment_id, 201, body, ttl_days
                ):
                    raise _Duplicate
        except _Duplicate:
            with conn.transaction():
                stored = idempotency.find(conn, key_hash)
            assert stored is not None  # committed by the transaction we waited for
            return _replay(app, stored, request_hash)
        app.log.info(
            "payment_created", amount_minor=payment.amount_minor, currency=payment.currency
        )
        _enqueue(app, conn, outbox_id, payment_id)
    return Response(201, body, {"location": f"/payments/{payment_id}"})


def _replay(app: App, stored: idempotency.StoredResponse, request_hash: bytes) -> Response:
    if stored.request_hash != request_hash:
        app.log.info("idempotency_key_reused")
        return error(
            409,
            "idempotency_key_reused",
            f"this {IDEMPOTENCY_HEADER} was already used with a different request body",
        )
    app.log.info("idempotent_replay")
    headers = {"idempotent-replayed": "true"}
    payment_id = stored.body.get("id")
    if isinstance(payment_id, str):
        headers["location"] = f"/payments/{payment_id}"
    return Response(stored.status, stored.body, headers)


def _enqueue(app: App, conn: Connection, outbox_id: int, payment_id: str) -> None:
    """Send after commit. Any failure leaves the outbox row to the relay: the payment is
    committed, so the client gets its 201 either way."""
    try:
        if outbox.deliver(conn, app.sender, outbox_id, payment_id):
            app.log.info("payment_enqueued")
        else:
            app.log.warning("enqueue_deferred", detail="left in the outbox for the relay")
        if not app.relay_due(time.monotonic()):
            return
        relayed = outbox.relay_pending(conn, app.sender)
    except psycopg.Error:
        app.log.exception("outbox_update_failed")
        return
    if relayed.sent or relayed.failed:
        app.log.info("outbox_relayed", sent=len(relayed.sent), failed=len(relayed.failed))


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError("duplicate key in a JSON object")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json_problem(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    message = str(exc)
    return message if message in _SAFE_JSON_MESSAGES else "a number is out of range"
