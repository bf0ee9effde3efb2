"""Errors that reach a user as one clear paragraph and an exit code, never a traceback."""

from __future__ import annotations

# Exit codes (documented in the README).
EXIT_OK = 0
EXIT_FAILED = 1  # the command ran and found a problem (policy violation, missed drill target)
EXIT_USAGE = 2  # bad input: unknown stack, missing or invalid config, bad arguments
EXIT_PROGRAM = 3  # the Pulumi program raised while declaring resources
EXIT_ENVIRONMENT = 4  # something the machine lacks (PostgreSQL binaries, a free port)


class UserError(Exception):
    """A problem the user can fix; printed without a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message
