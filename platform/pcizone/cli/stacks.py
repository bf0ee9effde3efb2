"""`pcizone stacks`: every stack in stacks/ with its kind, account and region."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.table import Table

from pcizone.cli.console import console
from pcizone.config.loader import find_repo_root, list_stacks, load_stack_config
from pcizone.config.models import OrgConfig
from pcizone.config.stack_names import StackKind


def register(sub: Any) -> None:
    parser = sub.add_parser("stacks", help="list the stacks with kind, account and region")
    parser.add_argument("--json", action="store_true", help="print JSON for machines")
    parser.set_defaults(func=run)


def describe_stacks() -> list[dict[str, str]]:
    root = find_repo_root()
    names = list_stacks(root)
    accounts: dict[str, str] = {}
    if "org" in names:
        _, org, _ = load_stack_config("org", root)
        assert isinstance(org, OrgConfig)
        accounts = {k: v.name for k, v in org.organization.accounts.by_key().items()}
        accounts["org"] = "management"
    rows = []
    for name in names:
        identity, config, _ = load_stack_config(name, root)
        account = accounts.get(identity.stage, identity.stage)
        row = {
            "stack": name,
            "kind": identity.kind.value,
            "stage": identity.stage,
            "account": account,
            "region": config.region,
        }
        if identity.kind is StackKind.STAGE and getattr(config, "dr", None) and config.dr.region:  # type: ignore[union-attr]
            row["drRegion"] = str(config.dr.region)  # type: ignore[union-attr]
        rows.append(row)
    return rows


def run(args: argparse.Namespace) -> int:
    rows = describe_stacks()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = Table(title="pcizone stacks")
    for column in ("stack", "kind", "stage", "account", "region", "DR region"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["stack"], row["kind"], row["stage"], row["account"], row["region"],
            row.get("drRegion", ""),
        )  # fmt: skip
    console().print(table)
    return 0
