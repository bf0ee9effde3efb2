"""Structured JSON logs, one line per event, with card data masked before it leaves the process.

Two paths reach stdout and both go through the same masking: structlog loggers (our code) and
the standard `logging` module (boto3, botocore, psycopg). Masking runs over keys and values,
nested mappings and sequences, bytes, exception messages and rendered tracebacks; the rendered
JSON line is masked once more as a last line of defence (PCI DSS 3.3.1, 3.4.1, 10.2).

Correlation ids (request id, message id, payment id, idempotency-key hash) are bound per
invocation with `bind_correlation` and appear on every event until `clear_correlation`.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, FilteringBoundLogger, Processor, WrappedLogger

from payments.pan import contains_pan, mask_pans, text_of

_MAX_DEPTH = 12  # deeper structures are logged as their (masked) text
_NOISY_LIBRARIES = ("botocore", "boto3", "urllib3", "s3transfer")


def mask_card_data(value: object, depth: int = 0) -> object:
    """A copy of `value` with every PAN and track-data match masked, keys included."""
    if isinstance(value, str):
        return mask_pans(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        # A number is a digit run too (4111111111111111 as an int); keep it numeric when clean.
        try:
            text = str(value)
        except ValueError:  # an int beyond Python's digit limit: not renderable, not a PAN
            return "<integer too large to render>"
        return mask_pans(text) if contains_pan(text) else value
    if isinstance(value, bytes | bytearray | memoryview):
        return mask_pans(text_of(value))
    if isinstance(value, BaseException):
        return mask_pans(f"{type(value).__name__}: {value}")
    if depth >= _MAX_DEPTH:
        return mask_pans(repr(value))
    if isinstance(value, Mapping):
        return {
            str(mask_card_data(k, depth + 1)): mask_card_data(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_card_data(item, depth + 1) for item in value]
    return mask_pans(str(value))


def _mask_event(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    masked = mask_card_data(event_dict)
    assert isinstance(masked, dict)  # a mapping stays a mapping
    return masked


def _render(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> str:
    line = json.dumps(event_dict, ensure_ascii=False, default=str, separators=(",", ":"))
    if not line.isascii():
        # A lone surrogate (JSON can carry one as an escape) would make the write to a UTF-8
        # stdout raise inside the handler. Escaped first, so masking sees it as a separator.
        line = line.encode("utf-8", "backslashreplace").decode("utf-8")
    return mask_pans(line)


def _processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,  # tracebacks become text before masking
        _mask_event,
        _render,
    ]


def configure_logging(stream: TextIO | None = None, level: str = "INFO") -> None:
    """Send every log event, ours and the libraries', to `stream` (stdout) as masked JSON.

    Replaces the root logger's handlers: the Lambda runtime installs one that would print
    library log records without masking.
    """
    target = stream if stream is not None else sys.stdout
    numeric_level = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=_processors(),
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.WriteLoggerFactory(file=target),
        cache_logger_on_first_use=False,  # tests reconfigure the stream
    )
    handler = logging.StreamHandler(target)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *_processors()],
        )
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric_level)
    for name in _NOISY_LIBRARIES:
        logging.getLogger(name).setLevel(max(numeric_level, logging.WARNING))


def get_logger(component: str) -> FilteringBoundLogger:
    """A logger whose events carry `component=<component>`; safe to create before configuring."""
    logger: FilteringBoundLogger = structlog.get_logger(component=component)  # a lazy proxy
    return logger


def bind_correlation(**ids: str | int | None) -> None:
    """Attach correlation ids to every following event in this context (None values skipped)."""
    structlog.contextvars.bind_contextvars(**{k: v for k, v in ids.items() if v is not None})


def clear_correlation() -> None:
    structlog.contextvars.clear_contextvars()


def correlation() -> MutableMapping[str, Any]:
    """The correlation ids bound right now (a copy)."""
    return dict(structlog.contextvars.get_contextvars())
