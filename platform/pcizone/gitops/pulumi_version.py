"""Prints the installed Pulumi SDK's version, so CI installs the Pulumi CLI of the same version.

python -m pcizone.gitops.pulumi_version [--github-output "$GITHUB_OUTPUT"]
"""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

from pcizone.gitops.errors import EXIT_TOOL, GitOpsError, run_main
from pcizone.gitops.github_output import write_outputs


def sdk_version() -> str:
    try:
        return metadata.version("pulumi")
    except metadata.PackageNotFoundError:
        raise GitOpsError(
            "the Pulumi SDK (pip package 'pulumi') is not installed: run `make setup`", EXIT_TOOL
        ) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pcizone.gitops.pulumi_version")
    parser.add_argument("--github-output", type=Path, help="append pulumi-version=<v> here")
    args = parser.parse_args(argv)
    version = sdk_version()
    if args.github_output:
        write_outputs(args.github_output, {"pulumi-version": version})
    print(version)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
