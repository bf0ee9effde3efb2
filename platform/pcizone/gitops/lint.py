"""Lints the GitHub Actions workflows with actionlint and zizmor; any finding fails.

    python -m pcizone.gitops.lint [--workflows DIR]

zizmor runs offline (no GitHub API), with the pedantic persona, and without a configuration
file, so that only inline `# zizmor: ignore[...]` comments, reviewed in the workflow itself,
can silence an audit. Exit 0: no findings; 1: findings; 4: a linter is missing or broke.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from pcizone.gitops import actionlint
from pcizone.gitops.errors import EXIT_FAILED, EXIT_TOOL, GitOpsError, run_main

ZIZMOR_ARGS = (
    "--offline",
    "--no-config",
    "--persona=pedantic",
    "--no-progress",
    "--color=never",
    "--format=plain",
)


def workflow_files(folder: Path) -> list[Path]:
    files = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])
    if not files:
        raise GitOpsError(f"{folder}: no workflow files to lint")
    return files


def zizmor_command() -> str:
    beside = Path(sys.executable).parent / "zizmor"
    found = str(beside) if beside.is_file() else shutil.which("zizmor")
    if not found:
        raise GitOpsError("zizmor is not installed: run `make setup` (pip: zizmor)", EXIT_TOOL)
    return found


def run_zizmor(files: list[Path]) -> tuple[bool, str]:
    """(clean, report). zizmor exits 0 when clean and 10-14 (by severity) on findings."""
    argv = [zizmor_command(), *ZIZMOR_ARGS, *map(str, files)]
    result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)
    if result.returncode == 0:
        return True, result.stdout.strip()
    if result.returncode >= 10:
        return False, result.stdout.strip()
    raise GitOpsError(
        f"zizmor failed to run (exit {result.returncode}): {result.stderr.strip()[-500:]}",
        EXIT_TOOL,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pcizone.gitops.lint")
    parser.add_argument("--workflows", type=Path, default=Path(".github/workflows"))
    args = parser.parse_args(argv)
    files = workflow_files(args.workflows)

    findings = actionlint.check(files)
    for finding in findings:
        print(finding)
    print(f"actionlint: {len(findings)} finding(s) in {len(files)} workflow(s)")

    clean, report = run_zizmor(files)
    if not clean:
        print(report)
    print(f"zizmor: {'no findings' if clean else 'findings above'} ({len(files)} workflow(s))")
    return EXIT_FAILED if findings or not clean else 0


if __name__ == "__main__":
    sys.exit(run_main(main))
