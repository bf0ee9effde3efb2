"""The processor adapter interface the worker charges through.

An adapter must send `ChargeRequest.idempotency_key` with every attempt, so that a retried or
replayed charge returns the first result instead of charging again. Its errors say whether
retrying is safe and useful; messages hold codes and statuses, never request data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(frozen=True)
class ChargeRequest:
    payment_id: str
    amount_minor: int
    currency: str  # ISO 4217, upper case
    payment_method: str  # a processor token
    idempotency_key: str


@dataclass(frozen=True)
class ChargeResult:
    outcome: Literal["succeeded", "declined"]
    processor_charge_id: str
    decline_code: str | None = None
    replayed: bool = False  # the processor answered from its idempotency cache


class ProcessorError(Exception):
    """The processor gave no usable answer."""

    retryable = False


class RetryableProcessorError(ProcessorError):
    """Retry later with the same idempotency key: a 5xx, 429, 409 in-use, auth, network error."""

    retryable = True


class ProcessorTimeout(RetryableProcessorError):
    """No answer in time: the charge may or may not have happened; the key makes retry safe."""


class PermanentProcessorError(ProcessorError):
    """The processor refused the request itself (invalid request, key reused differently)."""


class Processor(Protocol):
    name: str

    def charge(self, request: ChargeRequest) -> ChargeResult: ...
