"""Errors of the local Lambda runtime; each message names the function, queue or route at fault."""

from __future__ import annotations

from pcizone.errors import EXIT_FAILED, EXIT_USAGE, UserError


class RuntimeConfigError(UserError):
    """A function, event source or route spec the runtime cannot run (caught before start)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_USAGE)


class LocalRuntimeError(UserError):
    """The runtime could not do what was asked (start, invoke, stop)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_FAILED)


class InvalidInvocation(LocalRuntimeError):
    """The invoke request itself is bad: unknown function, payload not JSON or too large."""


class FunctionThrottled(LocalRuntimeError):
    """No execution environment became free in time (Lambda's TooManyRequestsException)."""
