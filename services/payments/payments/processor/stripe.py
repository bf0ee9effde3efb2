"""A Stripe-shaped adapter: one confirmed PaymentIntent per payment, over stdlib urllib.

Every attempt for a payment sends the payment's own `Idempotency-Key`, so a retry after a
timeout or a crash returns the first PaymentIntent instead of creating a second one. Mapping:

- 200 with status `succeeded` → succeeded; `processing` → the intent is fetched once more, and
  still processing is retryable; `requires_payment_method`, `requires_action`, `canceled` →
  declined (nobody is present to authenticate a server-side charge).
- 402 (card error) → declined with Stripe's decline code.
- 400 `idempotency_error` or another invalid request → permanent error (retrying cannot help).
- 401/403 (a bad or rotated key), 409 (same key in flight), 429, 5xx, timeouts and network
  errors → retryable. The cached API key is dropped on 401/403 so a rotated secret is re-read.
  Stripe replays a saved 5xx for the same key; such a payment ends in the DLQ for a human.

The API key is only ever sent over HTTPS (plain HTTP is allowed for a loopback test server).
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from payments.processor.base import (
    ChargeRequest,
    ChargeResult,
    PermanentProcessorError,
    ProcessorTimeout,
    RetryableProcessorError,
)

API_BASE = "https://api.stripe.com"
API_VERSION = "2024-06-20"  # pinned: response shapes change between versions
_DECLINED_STATUSES = {"requires_payment_method", "requires_action", "canceled"}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class StripeProcessor:
    name = "stripe"

    def __init__(
        self,
        api_key: Callable[[], str],
        *,
        base_url: str = API_BASE,
        timeout: float = 20.0,
    ) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        loopback = parsed.hostname in _LOOPBACK
        if parsed.scheme != "https" and not (parsed.scheme == "http" and loopback):
            raise ValueError(f"processor base URL must be https: {base_url}")
        self._api_key = api_key
        self._cached_key: str | None = None
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        # Loopback test servers must not be sent through an HTTP(S)_PROXY from the environment.
        handlers = [urllib.request.ProxyHandler({})] if loopback else []
        self._opener = urllib.request.build_opener(*handlers)

    def charge(self, request: ChargeRequest) -> ChargeResult:
        form = {
            "amount": str(request.amount_minor),
            "currency": request.currency.lower(),
            "confirm": "true",
            "automatic_payment_methods[enabled]": "true",
            "automatic_payment_methods[allow_redirects]": "never",
            "metadata[payment_id]": request.payment_id,
        }
        if request.payment_method.startswith("tok_"):
            form["payment_method_data[type]"] = "card"
            form["payment_method_data[card][token]"] = request.payment_method
        else:
            form["payment_method"] = request.payment_method
        status, headers, body = self._call(
            "POST", "/v1/payment_intents", form, request.idempotency_key
        )
        replayed = headers.get("idempotent-replayed", "").lower() == "true"
        if status == 200:
            intent = body
            if intent.get("status") == "processing" and isinstance(intent.get("id"), str):
                status, _, intent = self._call("GET", f"/v1/payment_intents/{intent['id']}")
                if status != 200:
                    raise RetryableProcessorError(
                        f"stripe: HTTP {status} reading a processing intent"
                    )
            return self._intent_result(intent, replayed)
        error = _mapping(body.get("error"))
        if status == 402:
            declined = _mapping(error.get("payment_intent"))
            code = str(error.get("decline_code") or error.get("code") or "card_declined")
            return ChargeResult("declined", str(declined.get("id") or "unknown"), code, replayed)
        kind = str(error.get("type") or "unknown")
        if status in (401, 403):
            self._cached_key = None
            raise RetryableProcessorError(f"stripe: HTTP {status} (API key refused)")
        if status in {409, 429} or status >= 500:
            raise RetryableProcessorError(f"stripe: HTTP {status} ({kind})")
        raise PermanentProcessorError(f"stripe: HTTP {status} ({kind}, {error.get('code') or '-'})")

    def _intent_result(self, intent: Mapping[str, Any], replayed: bool) -> ChargeResult:
        state = intent.get("status")
        intent_id = intent.get("id")
        if not isinstance(intent_id, str):
            raise RetryableProcessorError("stripe: response without a PaymentIntent id")
        if state == "succeeded":
            return ChargeResult("succeeded", intent_id, None, replayed)
        if state in _DECLINED_STATUSES:
            return ChargeResult("declined", intent_id, str(state), replayed)
        raise RetryableProcessorError(f"stripe: PaymentIntent is {state}")

    def _key(self) -> str:
        if self._cached_key is None:
            self._cached_key = self._api_key()
        return self._cached_key

    def _call(
        self,
        method: str,
        path: str,
        form: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self._base_url + path, data=data, method=method)  # noqa: S310
        request.add_header("Authorization", f"Bearer {self._key()}")
        request.add_header("Stripe-Version", API_VERSION)
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        if idempotency_key is not None:
            request.add_header("Idempotency-Key", idempotency_key)
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                return response.status, _lower(response.headers), _json(response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, _lower(exc.headers), _json(exc.read())
        except TimeoutError as exc:
            raise ProcessorTimeout("stripe: no answer in time") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise ProcessorTimeout("stripe: no answer in time") from exc
            raise RetryableProcessorError(
                f"stripe: network error ({type(exc.reason).__name__})"
            ) from exc
        except OSError as exc:  # connection reset mid-response and similar
            raise RetryableProcessorError(f"stripe: network error ({type(exc).__name__})") from exc


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()} if headers is not None else {}


def _json(raw: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def secret_api_key(secret_arn: str, region: str) -> Callable[[], str]:
    """Reads the API key from Secrets Manager: a plain string, or JSON with `api_key`."""

    def read() -> str:
        from payments import aws

        value = aws.client("secretsmanager", region).get_secret_value(SecretId=secret_arn)
        secret = str(value["SecretString"])
        if secret.lstrip().startswith("{"):
            parsed = json.loads(secret)
            if isinstance(parsed, dict) and isinstance(parsed.get("api_key"), str):
                return str(parsed["api_key"])
            raise RetryableProcessorError("processor secret JSON has no api_key string")
        return secret.strip()

    return read
