"""Identifiers this service mints.

Payment ids use lower-case base32 (letters and the digits 2-7), so they never hold the long
digit runs that the card-data detector would mask in logs.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

PAYMENT_ID_PATTERN = re.compile(r"pay_[a-z2-7]{26}")


def new_payment_id() -> str:
    """`pay_` and 128 random bits."""
    return "pay_" + base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=").lower()


def is_payment_id(value: object) -> bool:
    return isinstance(value, str) and PAYMENT_ID_PATTERN.fullmatch(value) is not None


def processor_idempotency_key(payment_id: str) -> str:
    """The key every charge attempt for a payment sends to the processor: one payment, one key."""
    return f"pcz-{payment_id}"


def short_hash(value: str) -> str:
    """A correlation id for a client value that must not be logged as is (an idempotency key).

    Base32 like payment ids: hex digests hold 12+ digit runs often enough to get masked.
    """
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()
    return base64.b32encode(digest[:10]).decode().lower()
