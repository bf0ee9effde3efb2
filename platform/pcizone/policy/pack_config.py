"""Pack config files for the Pulumi CLI (`--policy-pack-config`), one per stack profile.

Each file sets every policy's enforcement level and tells the rules the stack's stage and
kind (the real engine has no other way to tell them). They are generated from the registry
and committed under platform/policypack/config/; a test keeps them current.

    python -m pcizone.policy.pack_config --write       # regenerate the committed files
    python -m pcizone.policy.pack_config --check       # exit 1 if any is stale
    python -m pcizone.policy.pack_config --stack dev-alice   # print one stack's config
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pcizone.policy.enforcement import PROFILES, levels_for
from pcizone.policy.views import CONFIG_STACK_KIND, CONFIG_STAGE

CONFIG_DIR = Path("platform") / "policypack" / "config"  # relative to the repository root
# profile -> (stack kind, stage) of the stacks that use it
PROFILE_STACKS = {
    "org": ("org", "org"),
    "dev": ("stage", "dev"),
    "staging": ("stage", "staging"),
    "prod": ("stage", "prod"),
    "developer": ("developer", "dev"),
}


def pack_config(
    kind: str, stage: str, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    levels = levels_for(kind, stage, overrides)
    return {
        policy_id: {"enforcementLevel": level.value, CONFIG_STAGE: stage, CONFIG_STACK_KIND: kind}
        for policy_id, level in levels.items()
    }


def render(config: Mapping[str, Any]) -> str:
    return json.dumps(config, indent=2) + "\n"


def expected_files(repo_root: Path) -> dict[Path, str]:
    return {
        repo_root / CONFIG_DIR / f"{profile}.json": render(pack_config(*PROFILE_STACKS[profile]))
        for profile in PROFILES
    }


def stale_files(repo_root: Path) -> list[Path]:
    return [
        path
        for path, text in expected_files(repo_root).items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pcizone.policy.pack_config")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="regenerate the committed files")
    mode.add_argument("--check", action="store_true", help="exit 1 when a file is stale")
    mode.add_argument("--stack", help="print the config for this stack")
    args = parser.parse_args(argv)
    if args.stack:
        from pcizone.config.stack_names import parse_stack_name
        from pcizone.errors import UserError

        try:
            identity = parse_stack_name(args.stack)
        except UserError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return exc.exit_code
        sys.stdout.write(render(pack_config(identity.kind.value, identity.stage)))
        return 0
    from pcizone.config.loader import find_repo_root

    root = find_repo_root()
    if args.check:
        stale = stale_files(root)
        for path in stale:
            print(f"stale: {path.name} (run python -m pcizone.policy.pack_config --write)")
        return 1 if stale else 0
    (root / CONFIG_DIR).mkdir(parents=True, exist_ok=True)
    for path, text in expected_files(root).items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
