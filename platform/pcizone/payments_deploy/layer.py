"""Build the functions' dependency layer (arm64 wheels) and keep its lock.

    python -m pcizone.payments_deploy.layer build    # install the locked wheels, zip, verify
    python -m pcizone.payments_deploy.layer status   # what is locked and whether it is built
    python -m pcizone.payments_deploy.layer lock     # re-pin hashes after changing versions

`build` and `lock` need the package index (pip); `status`, previews and tests never do. pip
installs with --require-hashes, binary wheels only, for Python 3.12 on aarch64, into a
temporary folder; its downloads are cached under build/layer/pip-cache. The zip is
deterministic (see archive.py): bookkeeping pip writes per machine (RECORD, INSTALLER,
REQUESTED, direct_url.json) and console scripts (their shebang names this machine's Python)
are left out, so the same lock gives the same bytes everywhere.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from pcizone.config.loader import find_repo_root
from pcizone.errors import EXIT_ENVIRONMENT, EXIT_FAILED, EXIT_OK, UserError
from pcizone.payments_deploy import layer_lock
from pcizone.payments_deploy.archive import sha256_hex, tree_files, write_if_changed, zip_bytes
from pcizone.payments_deploy.layer_lock import (
    OUTPUT,
    PLATFORMS,
    PYTHON_VERSION,
    LayerLock,
    LayerLockError,
    Pin,
    read_lock,
    write_lock,
)

_MACHINE_FILES = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})


class PipError(UserError):
    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_ENVIRONMENT)


def _target_flags() -> list[str]:
    flags = ["--only-binary=:all:", "--no-deps", "--python-version", PYTHON_VERSION]
    for platform in PLATFORMS:
        flags += ["--platform", platform]
    cp = "cp" + PYTHON_VERSION.replace(".", "")
    return [*flags, "--implementation", "cp", "--abi", cp, "--abi", "abi3", "--abi", "none"]


def _pip(args: list[str], cache: Path) -> None:
    command = [sys.executable, "-m", "pip", *args, "--cache-dir", str(cache)]
    command += ["--disable-pip-version-check", "--no-input", "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise PipError(f"pip {args[0]} failed (is the package index reachable?): {last}")


def layer_zip(site: Path) -> bytes:
    """The layer: site-packages under `python/`, minus per-machine files."""
    entries = []
    for path in tree_files(site):
        relative = path.relative_to(site)
        if relative.parts[0] == "bin":
            continue
        in_dist_info = len(relative.parts) == 2 and relative.parts[0].endswith(".dist-info")
        if in_dist_info and relative.name in _MACHINE_FILES:
            continue
        entries.append((f"python/{relative.as_posix()}", path.read_bytes()))
    return zip_bytes(entries)


def install_and_zip(pins: tuple[Pin, ...], cache: Path) -> bytes:
    with tempfile.TemporaryDirectory(prefix="pcizone-layer-") as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text("\n".join(p.requirement_line() for p in pins) + "\n")
        site = Path(tmp) / "site"
        _pip(
            [
                "install",
                *_target_flags(),
                "--require-hashes",
                "--no-compile",
                "--no-warn-script-location",
                "--target",
                str(site),
                "-r",
                str(requirements),
            ],
            cache,
        )
        return layer_zip(site)


def build(root: Path) -> str:
    lock = read_lock()
    data = install_and_zip(lock.pins, root / OUTPUT / "pip-cache")
    sha = sha256_hex(data)
    if sha != lock.layer_sha256:
        raise LayerLockError(
            f"the built layer's sha256 {sha[:16]}... differs from layer.lock.json"
            f" ({lock.layer_sha256[:16]}...); nothing was written. If the pinned versions"
            " changed on purpose, run `python -m pcizone.payments_deploy.layer lock`"
        )
    write_if_changed(root / lock.artifact_path, data)
    return lock.artifact_path


def relock(root: Path) -> LayerLock:
    """Re-download the pinned versions, record their hashes, build, record the layer's hash."""
    pins = _pins_without_hashes(layer_lock.LOCK_FILE)
    cache = root / OUTPUT / "pip-cache"
    hashed: list[Pin] = []
    with tempfile.TemporaryDirectory(prefix="pcizone-wheels-") as tmp:
        for pin in pins:
            dest = Path(tmp) / pin.name
            _pip(
                ["download", *_target_flags(), "--dest", str(dest), f"{pin.name}=={pin.version}"],
                cache,
            )
            wheels = sorted(dest.glob("*.whl"))
            if len(wheels) != 1:
                raise PipError(f"pip download {pin.name}=={pin.version} gave {len(wheels)} wheels")
            digest = hashlib.sha256(wheels[0].read_bytes()).hexdigest()
            hashed.append(Pin(pin.name, pin.version, (digest,)))
    data = install_and_zip(tuple(hashed), cache)
    lock = LayerLock(PYTHON_VERSION, PLATFORMS, tuple(hashed), sha256_hex(data))
    write_if_changed(root / lock.artifact_path, data)
    write_lock(lock)
    return lock


def _pins_without_hashes(path: Path) -> tuple[Pin, ...]:
    """The names and versions of the lock (hashes are about to be replaced)."""
    try:
        packages = json.loads(path.read_text(encoding="utf-8"))["packages"]
        pins = tuple(Pin(str(p["name"]), str(p["version"]), ()) for p in packages)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LayerLockError(f"{path.name}: cannot read the pinned packages ({exc})") from None
    for pin in pins:
        if not re.fullmatch(r"[A-Za-z0-9._-]+", pin.name) or not re.fullmatch(
            r"[0-9][A-Za-z0-9.+-]*", pin.version
        ):
            raise LayerLockError(f"{path.name}: {pin.name}=={pin.version} is not an exact pin")
    return pins


def status(root: Path) -> str:
    lock = read_lock()
    built = (root / lock.artifact_path).is_file()
    pins = ", ".join(f"{p.name}=={p.version}" for p in lock.pins)
    state = "built" if built else "NOT built (run `make layer`)"
    return f"layer {lock.artifact_path}: {state}; sha256 {lock.layer_sha256}; packages: {pins}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pcizone.payments_deploy.layer",
        description="Build and lock the payments functions' dependency layer (arm64).",
    )
    parser.add_argument("command", choices=("build", "status", "lock"))
    args = parser.parse_args(argv)
    try:
        root = find_repo_root()
        if args.command == "build":
            print(f"built {build(root)}")
        elif args.command == "lock":
            lock = relock(root)
            print(f"locked {len(lock.pins)} packages; layer {lock.artifact_path}")
        else:
            print(status(root))
    except UserError as exc:
        print(f"layer: {exc}", file=sys.stderr)
        return exc.exit_code if exc.exit_code != EXIT_OK else EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
