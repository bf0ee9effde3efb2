"""The one error type of the GitOps helpers: printed as one line, never as a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable

EXIT_OK = 0
EXIT_FAILED = 1  # the check ran and found something: drift, a failed preview, a missed target
EXIT_USAGE = 2  # bad arguments or input files
EXIT_TOOL = 4  # a tool the helper needs is missing or broke (git, npm, node, pulumi, zizmor)


class GitOpsError(Exception):
    """A problem a user can act on, with the exit code the helper should end with."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def run_main(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> int:
    """Runs a helper's main; a GitOpsError becomes `error: <message>` on stderr and its code."""
    try:
        return main(argv)
    except GitOpsError as err:
        print(f"error: {err.message}", file=sys.stderr)
        return err.exit_code
