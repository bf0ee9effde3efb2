"""Which stacks a change affects, from the paths it touches: the preview and deploy matrices.

    python -m pcizone.gitops.affected --base <sha> [--head <sha>] [--github-output FILE]

Mapping (first matching rule wins; an unknown path affects every stack, because a missed
preview is worse than an extra one):
    stacks/Pulumi.<stack>.yaml                  that stack
    Pulumi.yaml, pyproject.toml                 every stack
    platform/pcizone/gitops/**                  none (CI helpers change no infrastructure)
    platform/**  (program, policy pack)         every stack
    services/payments/tests/**                  none
    services/payments/**                        staging, prod and the developer stacks
    docs, tests, bench, scripts, .github, ...   none

An empty or all-zero base (a new branch, a manual run) or a base git cannot diff against
affects every stack. Only stacks whose config file exists at the head are listed.
"""

from __future__ import annotations

import argparse
import enum
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pcizone.config.loader import find_repo_root, list_stacks
from pcizone.config.stack_names import STAGES, StackKind, parse_stack_name
from pcizone.errors import UserError
from pcizone.gitops.errors import EXIT_TOOL, GitOpsError, run_main
from pcizone.gitops.github_output import write_outputs

_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_STACK_FILE = re.compile(r"^stacks/Pulumi\.(?P<stack>[^/]+)\.yaml$")


class Scope(enum.Enum):
    NONE = "none"
    ALL = "all"
    PAYMENTS = "payments"  # the stacks that run the payments service
    STACK = "stack"  # one stack, named by its config file


@dataclass(frozen=True)
class Impact:
    scope: Scope
    reason: str
    stack: str | None = None


# Paths (or folders, ending in /) that change nothing deployed. Order matters only against
# the rules in classify(), which run first.
_NO_INFRA_PREFIXES = (
    ".github/",
    ".ci/",
    "docs/",
    "tests/",
    "bench/",
    "scripts/",
)
_NO_INFRA_FILES = frozenset(
    {"README.md", "LICENSE", "Makefile", ".gitignore", "conftest.py", "CHANGELOG.md"}
)
_EVERY_STACK_FILES = frozenset({"Pulumi.yaml", "pyproject.toml"})


def classify(path: str) -> Impact:
    """The impact of one changed path (repo-relative, forward slashes)."""
    if match := _STACK_FILE.match(path):
        return Impact(Scope.STACK, "stack config", match["stack"])
    if path.startswith("stacks/"):
        if path.endswith(".md"):
            return Impact(Scope.NONE, "documentation")
        return Impact(Scope.ALL, "unknown file in stacks/")
    if path in _EVERY_STACK_FILES:
        return Impact(Scope.ALL, "project or dependency definition")
    if path.startswith("platform/pcizone/gitops/"):
        return Impact(Scope.NONE, "CI helpers")
    if path.startswith("platform/"):
        return Impact(Scope.ALL, "platform program or policy pack")
    if path.startswith("services/payments/tests/"):
        return Impact(Scope.NONE, "payments tests")
    if path.startswith("services/payments/"):
        return Impact(Scope.PAYMENTS, "payments service")
    if path in _NO_INFRA_FILES or path.startswith(_NO_INFRA_PREFIXES):
        return Impact(Scope.NONE, "not deployed")
    if "/" not in path and PurePosixPath(path).suffix == ".md":
        return Impact(Scope.NONE, "documentation")
    return Impact(Scope.ALL, "unknown path")


def _runs_payments(stack: str) -> bool:
    identity = parse_stack_name(stack)
    return identity.kind is StackKind.DEVELOPER or stack in ("staging", "prod")


def affected_stacks(paths: Iterable[str], existing: Sequence[str]) -> list[str]:
    """The stacks among `existing` (in its order) that the changed `paths` affect."""
    valid = [s for s in existing if _is_valid_stack(s)]
    chosen: set[str] = set()
    for path in paths:
        impact = classify(path)
        if impact.scope is Scope.ALL:
            chosen.update(valid)
        elif impact.scope is Scope.PAYMENTS:
            chosen.update(s for s in valid if _runs_payments(s))
        elif impact.scope is Scope.STACK and impact.stack in valid:
            chosen.add(impact.stack)
    return [s for s in valid if s in chosen]


def _is_valid_stack(name: str) -> bool:
    try:
        parse_stack_name(name)
    except UserError:
        return False  # `pcizone validate` reports a badly named config file
    return True


def cloud_matrix(stacks: Sequence[str]) -> list[dict[str, str]]:
    """org and stage stacks, with the account whose preview role previews them."""
    entries = []
    for stack in stacks:
        identity = parse_stack_name(stack)
        if identity.kind in (StackKind.ORG, StackKind.STAGE):
            entries.append({"stack": stack, "account": identity.stage})
    return entries


def deploy_flags(stacks: Sequence[str]) -> dict[str, bool]:
    return {name: name in stacks for name in ("org", *STAGES)}


def changed_paths(repo: Path, base: str, head: str) -> list[str] | None:
    """Paths changed from the merge base of base and head to head; None: diff everything."""
    if not base or set(base) == {"0"}:
        return None
    for sha, what in ((base, "--base"), (head, "--head")):
        if not _SHA.match(sha):
            raise GitOpsError(f"{what} must be a full commit SHA (40 hex digits), got {sha!r}")
    try:
        result = subprocess.run(
            ["git", "diff", "--name-only", "-z", f"{base}...{head}"],
            cwd=repo,
            capture_output=True,
            check=False,
            timeout=120,
        )
    except FileNotFoundError:
        raise GitOpsError("git is not installed or not on PATH", EXIT_TOOL) from None
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        reason = detail[-1] if detail else f"exit {result.returncode}"
        print(
            f"warning: cannot diff {base[:12]}...{head[:12]} ({reason}); every stack counts as "
            "affected",
            file=sys.stderr,
        )
        return None
    return [p for p in result.stdout.decode().split("\0") if p]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pcizone.gitops.affected")
    parser.add_argument("--base", required=True, help="base commit; empty means every stack")
    parser.add_argument("--head", default="HEAD", help="head commit (default: HEAD)")
    parser.add_argument("--repo", type=Path, help="repository root (default: found from cwd)")
    parser.add_argument("--github-output", type=Path, help="append the outputs to this file")
    args = parser.parse_args(argv)

    repo = args.repo or find_repo_root()
    existing = list_stacks(repo)
    paths = None
    if args.base and set(args.base) != {"0"}:
        head = _rev_parse(repo, "HEAD") if args.head == "HEAD" else args.head
        paths = changed_paths(repo, args.base, head)
    stacks = list(existing) if paths is None else affected_stacks(paths, existing)
    stacks = [s for s in stacks if _is_valid_stack(s)]

    outputs = {
        "stacks": json.dumps(stacks, separators=(",", ":")),
        "cloud": json.dumps(cloud_matrix(stacks), separators=(",", ":")),
        "deploy": json.dumps(deploy_flags(stacks), separators=(",", ":")),
    }
    for path in paths or []:
        impact = classify(path)
        target = impact.stack if impact.scope is Scope.STACK else impact.scope.value
        print(f"{path}: {target} ({impact.reason})", file=sys.stderr)
    if args.github_output:
        write_outputs(args.github_output, outputs)
    print(json.dumps({k: json.loads(v) for k, v in outputs.items()}, indent=2))
    return 0


def _rev_parse(repo: Path, ref: str) -> str:
    result = subprocess.run(
        ["git", "rev-parse", ref], cwd=repo, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise GitOpsError(f"cannot resolve {ref} in {repo}: {result.stderr.strip()}", EXIT_TOOL)
    return result.stdout.strip()


if __name__ == "__main__":
    sys.exit(run_main(main))
