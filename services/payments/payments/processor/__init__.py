"""Processor adapters: the interface (`base`), a local fake with a journal, a Stripe adapter."""

from __future__ import annotations

from collections.abc import Callable

from payments.config import Settings
from payments.db.connection import Connection
from payments.processor.base import Processor


def build_processor(settings: Settings, journal_connect: Callable[[], Connection]) -> Processor:
    """The adapter `PAYMENTS_PROCESSOR` names; the fake journals through `journal_connect`."""
    if settings.processor == "fake":
        from payments.processor.fake import FakeProcessor

        return FakeProcessor(journal_connect, settings.fake_faults)
    from payments.processor.stripe import StripeProcessor, secret_api_key

    assert settings.processor_secret_arn is not None  # enforced by Settings
    return StripeProcessor(secret_api_key(settings.processor_secret_arn, settings.aws_region))
