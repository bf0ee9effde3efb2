"""Settle one payment: charge it through the processor and write the outcome to the ledger.

Why a payment is charged at most once, however often its message arrives:
- The payment row is locked (FOR UPDATE SKIP LOCKED) for the whole attempt, so two deliveries
  of the same message never charge concurrently; the second one is retried later.
- A payment that already has a final status is acknowledged without calling the processor.
- Every attempt sends the payment's own idempotency key: after a crash between the charge and
  the commit (or the acknowledgement), the next attempt gets the first charge back, not a new
  one, and the ledger's unique constraints make its posting happen once.
- A timeout leaves the outcome unknown: the payment stays pending (`charge_unknown`) and the
  next attempt's identical request is what finds out (see `payments.worker`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from payments import ledger, store
from payments.db.connection import Connection
from payments.processor.base import (
    ChargeRequest,
    PermanentProcessorError,
    Processor,
    ProcessorTimeout,
    RetryableProcessorError,
)

OutcomeKind = Literal["settled", "declined", "failed", "already_final", "retry", "poison"]


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    detail: str

    @property
    def acknowledged(self) -> bool:
        """False: report the message as a batch item failure so SQS delivers it again."""
        return self.kind not in {"retry", "poison"}


def settle(conn: Connection, processor: Processor, payment_id: str) -> Outcome:
    with conn.transaction():
        payment = store.get_payment(conn, payment_id, lock="skip_locked")
        if payment is None:
            if store.payment_exists(conn, payment_id):
                return Outcome("retry", "another worker holds this payment")
            return Outcome("poison", "unknown payment")
        if payment.status != "pending":
            return Outcome("already_final", payment.status)
        request = ChargeRequest(
            payment_id=payment.id,
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            payment_method=payment.payment_method,
            idempotency_key=payment.processor_idempotency_key,
        )
        try:
            result = processor.charge(request)
        except ProcessorTimeout as exc:  # it may have charged: stays pending, asked again
            store.record_attempt(conn, payment, "charge_unknown", str(exc))
            return Outcome("retry", str(exc))
        except RetryableProcessorError as exc:
            store.record_attempt(conn, payment, "charge_retry", str(exc))
            return Outcome("retry", str(exc))
        except PermanentProcessorError as exc:
            store.finish(conn, payment, "failed", "charge_failed", str(exc))
            return Outcome("failed", str(exc))
        if result.outcome == "succeeded":
            with conn.pipeline():  # four writes, one round trip
                ledger.post_settlement(conn, payment, processor.name, result.processor_charge_id)
                store.finish(
                    conn, payment, "settled", "charge_succeeded", result.processor_charge_id
                )
            return Outcome("settled", result.processor_charge_id)
        code = result.decline_code or "declined"
        store.finish(conn, payment, "declined", "charge_declined", code)
        return Outcome("declined", code)
