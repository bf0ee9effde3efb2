"""`pcizone down --local`: remove the local cloud (emulator snapshot, deploy state, PostgreSQL)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pcizone.cli.console import console
from pcizone.errors import EXIT_OK, EXIT_USAGE, UserError


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "down",
        help="remove the local cloud's state",
        description="Remove everything `pcizone up --local` keeps between runs: the emulator's"
        " saved state, the deploy state, PostgreSQL's data and the function logs.",
    )
    parser.add_argument("--local", action="store_true", help="remove the local cloud (required)")
    parser.add_argument(
        "--state-dir", type=Path, metavar="DIR", help="local cloud state (default .state/local)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.local:
        raise UserError(
            "pcizone down removes only the local cloud (--local); destroy AWS stacks with"
            " `pulumi destroy`",
            EXIT_USAGE,
        )
    from pcizone.config.loader import find_repo_root
    from pcizone.local.paths import LocalPaths
    from pcizone.local.teardown import remove_local_cloud

    paths = LocalPaths(args.state_dir) if args.state_dir else LocalPaths.for_repo(find_repo_root())
    removed = remove_local_cloud(paths)
    if removed:
        console().print(f"removed the local cloud in {paths.root}", markup=False)
    else:
        console().print(f"no local cloud in {paths.root}: nothing to remove", markup=False)
    return EXIT_OK
