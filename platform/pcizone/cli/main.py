"""`pcizone`: one entry point, one module per command (each exposes `register`).

Exit codes: 0 success; 1 the command ran and found a problem (policy violation, missed drill
target, failed scenario); 2 bad input (unknown stack, invalid config, bad arguments); 3 the
Pulumi program raised; 4 the machine lacks something (PostgreSQL binaries, a free port).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pcizone import __version__
from pcizone.errors import EXIT_USAGE, UserError

COMMANDS = (
    "pcizone.cli.stacks",
    "pcizone.cli.validate",
    "pcizone.cli.preview",
    "pcizone.cli.compliance",
    "pcizone.cli.up",
    "pcizone.cli.down",
    "pcizone.cli.drill",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pcizone",
        description="PCI DSS card payments on AWS: preview, check, run locally, drill.",
        epilog="Exit codes: 0 ok, 1 check failed, 2 bad input, 3 program error, 4 environment.",
    )
    parser.add_argument("--version", action="version", version=f"pcizone {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except UserError as exc:
        from pcizone.cli.console import print_error

        print_error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        from pcizone.cli.console import print_error

        print_error("interrupted")
        return 130
    return code


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    sys.exit(main() if len(sys.argv) > 1 else EXIT_USAGE)
