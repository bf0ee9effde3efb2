"""The payments API against real PostgreSQL and moto SQS."""

from __future__ import annotations

import json
import threading
from typing import Any

import psycopg
import pytest
from payments import api, idempotency, outbox
from payments.handlers import api as api_handler
from payments.http import MAX_BODY_BYTES


def _body(response: dict[str, Any]) -> dict[str, Any]:
    return json.loads(response["body"])


def _queued(sqs: Any, queue_url: str) -> list[str]:
    """Payment ids waiting on the queue (received and made visible again)."""
    ids = []
    while True:
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60
        ).get("Messages", [])
        if not messages:
            return sorted(ids)
        ids += [json.loads(m["Body"])["payment_id"] for m in messages]


def test_create_stores_the_payment_and_enqueues_it_after_commit(
    make_app: Any, kit: Any, conn: Any, sqs: Any, queues: Any, logs: Any
) -> None:
    response = kit.post_payment(make_app(), "order-17-attempt")
    assert response["statusCode"] == 201
    created = _body(response)
    assert created["status"] == "pending"
    assert (created["amount_minor"], created["currency"]) == (1250, "EUR")
    assert "payment_method" not in created
    assert response["headers"]["location"] == f"/payments/{created['id']}"
    row = conn.execute(
        "SELECT status, amount_minor, payment_method, processor_idempotency_key FROM payments"
    ).fetchone()
    assert row == ("pending", 1250, "pm_card_visa", f"pcz-{created['id']}")
    assert conn.execute("SELECT sent_at IS NOT NULL FROM outbox").fetchone() == (True,)
    assert _queued(sqs, queues.url) == [created["id"]]
    created_event = logs.named("payment_created")[0]
    assert created_event["payment_id"] == created["id"]
    assert created_event["idempotency_key_hash"] and "order-17" not in logs.text
    assert logs.named("request")[0]["status"] == 201


def test_same_key_same_body_replays_the_stored_response(make_app: Any, kit: Any, conn: Any) -> None:
    app = make_app()
    first = kit.post_payment(app, "k-1")
    again = kit.post_payment(app, "k-1")
    assert again["statusCode"] == 201
    assert again["body"] == first["body"]
    assert again["headers"]["idempotent-replayed"] == "true"
    # Key order and whitespace do not make a different request.
    reordered = json.dumps(dict(reversed(list(kit.payment_body().items()))), indent=2)
    event = kit.http_event("POST", "/payments", reordered, {"idempotency-key": "k-1"})
    assert api.handle(app, event)["body"] == first["body"]
    assert conn.execute("SELECT count(*) FROM payments").fetchone() == (1,)


def test_same_key_different_body_is_a_conflict(make_app: Any, kit: Any, conn: Any) -> None:
    app = make_app()
    assert kit.post_payment(app, "k-1")["statusCode"] == 201
    response = kit.post_payment(app, "k-1", amount_minor=999)
    assert response["statusCode"] == 409
    assert _body(response) == {
        "error": "this Idempotency-Key was already used with a different request body",
        "code": "idempotency_key_reused",
    }
    assert conn.execute("SELECT count(*) FROM payments").fetchone() == (1,)


def test_concurrent_duplicates_create_one_payment(make_app: Any, kit: Any, conn: Any) -> None:
    """Eight 'containers' send the same request at once: one payment, same answer for all."""
    apps = [make_app() for _ in range(8)]
    barrier = threading.Barrier(len(apps))
    responses: list[dict[str, Any]] = []

    def send(app: Any) -> None:
        barrier.wait()
        responses.append(kit.post_payment(app, "concurrent-key"))

    threads = [threading.Thread(target=send, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert conn.execute("SELECT count(*) FROM payments").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (1,)
    statuses = sorted(r["statusCode"] for r in responses)
    assert set(statuses) <= {201, 409}
    created = [_body(r) for r in responses if r["statusCode"] == 201]
    assert len({c["id"] for c in created}) == 1
    for r in responses:
        if r["statusCode"] == 409:  # only while the first was in flight, and retryable
            assert _body(r)["code"] == "idempotency_key_in_use"


def test_duplicate_while_the_first_is_in_flight_gets_a_retryable_error(
    make_app: Any, kit: Any, db: Any
) -> None:
    """Hold the key's row in an open transaction, as a slow first request would."""
    app = make_app(lock_timeout_ms=100)
    request = kit.payment_body()
    from payments.models import validate_create

    with psycopg.connect(db.dsn, autocommit=True) as first, first.transaction():
        payment = kit.post_payment(make_app(), "other-key")  # any real payment to refer to
        first.execute(
            "INSERT INTO idempotency_records (key_hash, request_hash, payment_id,"
            " response_status, response_body, expires_at)"
            " VALUES (%s, %s, %s, 201, '{}', now() + interval '15 days')",
            (
                idempotency.key_hash("", "in-flight"),
                idempotency.request_hash(validate_create(request, 10**6)),
                _body(payment)["id"],
            ),
        )
        response = kit.post_payment(app, "in-flight")
    assert response["statusCode"] == 409
    assert response["headers"]["retry-after"] == "1"
    assert _body(response)["code"] == "idempotency_key_in_use"
    assert _body(response)["retryable"] is True


def test_keys_are_scoped_to_the_authorized_caller(make_app: Any, kit: Any, conn: Any) -> None:
    app = make_app()
    ids = []
    for subject in ("merchant-a", "merchant-b", "merchant-a"):
        event = kit.http_event(
            "POST", "/payments", json.dumps(kit.payment_body()), {"idempotency-key": "k-1"}
        )
        event["requestContext"]["authorizer"] = {"jwt": {"claims": {"sub": subject}, "scopes": []}}
        ids.append(_body(api.handle(app, event))["id"])
    assert ids[0] == ids[2] != ids[1]  # same caller replays; another caller's key is its own
    assert conn.execute("SELECT count(*) FROM payments").fetchone() == (2,)


def test_an_expired_key_can_be_used_again(make_app: Any, kit: Any, conn: Any) -> None:
    app = make_app()
    first = _body(kit.post_payment(app, "old-key"))
    conn.execute(
        "UPDATE idempotency_records SET created_at = now() - interval '40 days',"
        " expires_at = now() - interval '1 day'"
    )
    second = kit.post_payment(app, "old-key", amount_minor=77)
    assert second["statusCode"] == 201
    assert _body(second)["id"] != first["id"]
    assert conn.execute("SELECT count(*) FROM idempotency_records").fetchone() == (1,)


def test_an_sqs_failure_after_commit_loses_nothing(
    make_app: Any, kit: Any, conn: Any, sqs: Any, queues: Any, logs: Any
) -> None:
    class DownQueue:
        def send(self, body: str) -> str:
            raise ConnectionError("SQS unreachable")

    down = make_app(sender=DownQueue())
    response = kit.post_payment(down, "k-down")
    assert response["statusCode"] == 201  # committed: the client must not retry blindly
    payment_id = _body(response)["id"]
    row = conn.execute("SELECT sent_at, send_attempts, last_error FROM outbox").fetchone()
    assert row == (None, 1, "ConnectionError")
    assert logs.named("enqueue_deferred")
    # The relay (the next request, or the scheduled handler) sends it once SQS is back.
    conn.execute("UPDATE outbox SET created_at = now() - interval '1 minute'")
    report = outbox.relay_pending(conn, outbox.SqsSender(sqs, queues.url))
    assert report.sent == [payment_id] and report.failed == []
    assert _queued(sqs, queues.url) == [payment_id]
    assert outbox.unsent_count(conn) == 0


def test_the_next_request_relays_leftovers_at_most_once_per_interval(
    make_app: Any, kit: Any, conn: Any, sqs: Any, queues: Any
) -> None:
    class DownQueue:
        def send(self, body: str) -> str:
            raise ConnectionError("SQS unreachable")

    stranded = _body(kit.post_payment(make_app(sender=DownQueue()), "k-stranded"))["id"]
    conn.execute("UPDATE outbox SET created_at = now() - interval '1 minute'")
    app = make_app()
    second = _body(kit.post_payment(app, "k-second"))["id"]
    assert sorted(_queued(sqs, queues.url)) == sorted([stranded, second])
    # Another leftover within the interval waits for the scheduled relay (or a later request).
    third = _body(kit.post_payment(make_app(sender=DownQueue()), "k-third"))["id"]
    conn.execute("UPDATE outbox SET created_at = now() - interval '1 minute' WHERE sent_at IS NULL")
    fourth = _body(kit.post_payment(app, "k-fourth"))["id"]
    assert _queued(sqs, queues.url) == [fourth]
    assert conn.execute("SELECT payment_id FROM outbox WHERE sent_at IS NULL").fetchall() == [
        (third,)
    ]


def test_get_returns_status_and_history(make_app: Any, kit: Any) -> None:
    app = make_app()
    payment_id = _body(kit.post_payment(app, "k-1"))["id"]
    response = api.handle(app, kit.http_event("GET", f"/payments/{payment_id}"))
    assert response["statusCode"] == 200
    body = _body(response)
    assert body["id"] == payment_id and body["status"] == "pending"
    assert [h["event"] for h in body["history"]] == ["created"]
    missing = api.handle(app, kit.http_event("GET", "/payments/pay_" + "a" * 26))
    assert (missing["statusCode"], _body(missing)["code"]) == (404, "not_found")
    malformed = api.handle(app, kit.http_event("GET", "/payments/not-an-id"))
    assert malformed["statusCode"] == 404


def test_every_field_problem_is_listed(make_app: Any, kit: Any, conn: Any) -> None:
    body = json.dumps(
        {
            "amount_minor": 2_000_000,
            "currency": "usd",
            "merchant_reference": " padded ",
            "payment_method": "card_123",
            "colour": "red",
        }
    )
    response = api.handle(make_app(), kit.http_event("POST", "/payments", body))
    assert response["statusCode"] == 400
    assert _body(response) == {
        "error": "invalid request",
        "code": "validation_failed",
        "errors": [
            {"field": "Idempotency-Key", "message": "header is required"},
            {"field": "amount_minor", "message": "must be at most 1000000"},
            {
                "field": "currency",
                "message": "must be an ISO 4217 currency code in upper case, such as EUR",
            },
            {
                "field": "merchant_reference",
                "message": "must be 1 to 64 printable ASCII characters, not starting or ending with a space",
            },
            {"field": "customer_reference", "message": "is required"},
            {
                "field": "payment_method",
                "message": "must be a processor token such as pm_... or tok_...",
            },
            {"field": "colour", "message": "is not a known field"},
        ],
    }
    assert conn.execute("SELECT count(*) FROM payments").fetchone() == (0,)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount_minor": 0}, "amount_minor", "must be greater than 0"),
        ({"amount_minor": "100"}, "amount_minor", "must be an integer"),
        ({"amount_minor": 10.0}, "amount_minor", "must be an integer"),
        ({"amount_minor": True}, "amount_minor", "must be an integer"),
        (
            {"currency": "XTS"},
            "currency",
            "must be an ISO 4217 currency code in upper case, such as EUR",
        ),
        (
            {"customer_reference": "x" * 65},
            "customer_reference",
            "must be 1 to 64 printable ASCII characters, not starting or ending with a space",
        ),
        ({"payment_method": None}, "payment_method", "must be a string"),
    ],
)
def test_field_rules(
    make_app: Any, kit: Any, overrides: dict[str, Any], field: str, message: str
) -> None:
    response = kit.post_payment(make_app(), "k-1", **overrides)
    assert response["statusCode"] == 400
    assert _body(response)["errors"] == [{"field": field, "message": message}]


@pytest.mark.parametrize(
    ("key", "ok"),
    [("a", True), ("x" * 255, True), ("x" * 256, False), (" lead", False), ("tab\tkey", False)],
)
def test_idempotency_key_rules(make_app: Any, kit: Any, key: str, ok: bool) -> None:
    response = kit.post_payment(make_app(), key)
    assert response["statusCode"] == (201 if ok else 400)


@pytest.mark.parametrize(
    ("event_args", "status", "code"),
    [
        (("POST", "/payments", "x" * (MAX_BODY_BYTES + 1)), 413, "body_too_large"),
        (("POST", "/payments", "é" * (MAX_BODY_BYTES // 2 + 1)), 413, "body_too_large"),
        (("POST", "/payments", b"\x00" * (MAX_BODY_BYTES + 1)), 413, "body_too_large"),
        (("POST", "/payments", '{"amount_minor": 1,'), 400, "malformed_json"),
        (("POST", "/payments", '{"a": 1, "a": 2}'), 400, "malformed_json"),
        (("POST", "/payments", '{"amount_minor": NaN}'), 400, "malformed_json"),
        (("POST", "/payments", "[" * 5000 + "]" * 5000), 400, "malformed_json"),
        (("POST", "/payments", '{"n": ' + "9" * 5000 + "}"), 400, "malformed_json"),
        (("POST", "/payments", b"\xff\xfe{}"), 400, "malformed_json"),
        (("POST", "/payments", "[1, 2]"), 400, "validation_failed"),
        (("POST", "/payments", ""), 400, "malformed_json"),
        (("DELETE", "/payments", None), 405, "method_not_allowed"),
        (("POST", "/payments/pay_" + "a" * 26, "{}"), 405, "method_not_allowed"),
        (("GET", "/refunds", None), 404, "not_found"),
    ],
)
def test_bad_requests_never_get_a_5xx(
    make_app: Any, kit: Any, event_args: tuple[Any, ...], status: int, code: str
) -> None:
    response = api.handle(make_app(), kit.http_event(*event_args, {"idempotency-key": "k"}))
    assert (response["statusCode"], _body(response)["code"]) == (status, code)


def test_card_data_is_refused_before_routing(make_app: Any, kit: Any) -> None:
    for method, path in (("POST", "/refunds"), ("PUT", "/payments"), ("GET", "/payments/x")):
        event = kit.http_event(method, path, '{"note": "4111 1111 1111 1111"}')
        response = api.handle(make_app(), event)
        assert (response["statusCode"], _body(response)["code"]) == (400, "card_data_rejected")


def test_wrong_content_type_is_415(make_app: Any, kit: Any) -> None:
    body = json.dumps(kit.payment_body())
    for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        event = kit.http_event(
            "POST", "/payments", body, {"idempotency-key": "k", "content-type": content_type}
        )
        response = api.handle(make_app(), event)
        assert (response["statusCode"], _body(response)["code"]) == (415, "unsupported_media_type")
    event = kit.http_event(
        "POST",
        "/payments",
        body,
        {"idempotency-key": "k", "content-type": "Application/JSON; charset=utf-8"},
    )
    assert api.handle(make_app(), event)["statusCode"] == 201


def test_a_base64_body_is_decoded(make_app: Any, kit: Any) -> None:
    event = kit.http_event(
        "POST",
        "/payments",
        json.dumps(kit.payment_body()),
        {"idempotency-key": "k"},
        base64_body=True,
    )
    assert api.handle(make_app(), event)["statusCode"] == 201


def test_a_malformed_event_is_a_400(make_app: Any) -> None:
    for event in ({}, {"requestContext": {}}, "text", {"requestContext": {"http": {"method": 1}}}):
        response = api.handle(make_app(), event)
        assert (response["statusCode"], _body(response)["code"]) == (400, "malformed_request")


def test_database_down_is_a_retryable_503(kit: Any, db: Any, queues: Any) -> None:
    from payments.app import App

    settings = db.settings(PAYMENTS_DB_PORT="1", PAYMENTS_QUEUE_URL=queues.url)
    response = kit.post_payment(App(settings, "api"), "k-1")
    assert (response["statusCode"], response["headers"]["retry-after"]) == (503, "1")
    assert _body(response)["retryable"] is True
    read = api.handle(App(settings, "api"), kit.http_event("GET", "/payments/pay_" + "a" * 26))
    assert (read["statusCode"], _body(read)["code"]) == (503, "unavailable")


def test_lambda_handler_reads_its_config_and_endpoint_from_the_environment(
    kit: Any, db: Any, queues: Any, sqs: Any, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from payments import app as app_module
    from payments import aws

    for name, value in db.env(PAYMENTS_QUEUE_URL=queues.url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    aws.forget_clients()
    app_module.uninstall()
    try:
        event = kit.http_event(
            "POST", "/payments", json.dumps(kit.payment_body()), {"idempotency-key": "env"}
        )
        response = api_handler.handler(event, None)
        assert response["statusCode"] == 201
        assert _queued(sqs, queues.url) == [_body(response)["id"]]
        monkeypatch.delenv("PAYMENTS_DB_HOST")
        app_module.uninstall()
        from payments.config import ConfigError

        with pytest.raises(ConfigError, match="missing environment variable PAYMENTS_DB_HOST"):
            api_handler.handler(event, None)
    finally:
        app_module.uninstall()
        aws.forget_clients()
