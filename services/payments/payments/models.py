"""What a client may send, validated field by field; every problem is reported at once."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails

from payments.currencies import CURRENCIES
from payments.pan import mask_pans

IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?")
_REFERENCE = r"^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$"
_PAYMENT_METHOD = r"^(?:pm|tok)_[A-Za-z0-9_]{3,250}$"
_FIELD_NAME_LIMIT = 64

Reference = Annotated[str, StringConstraints(pattern=_REFERENCE)]
Token = Annotated[str, StringConstraints(pattern=_PAYMENT_METHOD)]


class CreatePayment(BaseModel):
    """The body of POST /payments. Card data never fits: the payment method is a token."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    amount_minor: int = Field(gt=0)
    currency: str
    merchant_reference: Reference
    customer_reference: Reference
    payment_method: Token

    @field_validator("amount_minor")
    @classmethod
    def _at_most_limit(cls, value: int, info: ValidationInfo) -> int:
        limit = (info.context or {}).get("max_amount_minor")
        if isinstance(limit, int) and value > limit:
            raise ValueError(f"must be at most {limit}")
        return value

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, value: str) -> str:
        if value not in CURRENCIES:
            raise ValueError("must be an ISO 4217 currency code in upper case, such as EUR")
        return value


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "int_type": "must be an integer",
    "string_type": "must be a string",
    "model_type": "must be a JSON object",
    "greater_than": "must be greater than 0",
}
_PATTERN_MESSAGES = {
    "merchant_reference": "must be 1 to 64 printable ASCII characters, not starting or ending with a space",
    "customer_reference": "must be 1 to 64 printable ASCII characters, not starting or ending with a space",
    "payment_method": "must be a processor token such as pm_... or tok_...",
}


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Pydantic errors as `{"field", "message"}`; never echoes what the client sent."""
    problems = []
    for detail in exc.errors(include_input=False, include_url=False, include_context=False):
        name = _field_name(detail)
        problems.append({"field": name, "message": _message(name, detail)})
    return problems


def _field_name(detail: ErrorDetails) -> str:
    name = ".".join(str(part) for part in detail["loc"]) or "body"
    if len(name) > _FIELD_NAME_LIMIT:
        name = name[:_FIELD_NAME_LIMIT] + "..."
    # The guard passed the whole name, but the cut can leave the head of a longer digit run
    # that passes the Luhn check on its own: the echoed name is masked after it.
    return mask_pans(name)


def _message(field: str, detail: ErrorDetails) -> str:
    kind = detail["type"]
    if kind == "string_pattern_mismatch":
        return _PATTERN_MESSAGES.get(field, "has an invalid format")
    if kind == "value_error":
        return str(detail["msg"]).removeprefix("Value error, ")
    return _MESSAGES.get(kind, "is invalid")


def idempotency_key_errors(value: str | None) -> list[dict[str, str]]:
    if value is None:
        return [{"field": IDEMPOTENCY_HEADER, "message": "header is required"}]
    if not _IDEMPOTENCY_KEY.fullmatch(value):
        return [
            {
                "field": IDEMPOTENCY_HEADER,
                "message": "must be 1 to 255 printable ASCII characters",
            }
        ]
    return []


def validate_create(document: Any, max_amount_minor: int) -> CreatePayment:
    """Raises ValidationError listing every problem."""
    return CreatePayment.model_validate(document, context={"max_amount_minor": max_amount_minor})
