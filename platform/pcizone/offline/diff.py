"""Differences between two plans: what `pulumi preview` would create, update, replace, delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Properties whose change makes AWS (and so pulumi-aws) replace the resource.
REPLACE_ON_CHANGE: dict[str, frozenset[str]] = {
    "aws:s3/bucket:Bucket": frozenset({"bucket", "objectLockEnabled"}),
    "aws:sqs/queue:Queue": frozenset({"name", "fifoQueue"}),
    "aws:kms/key:Key": frozenset({"customerMasterKeySpec", "keyUsage", "multiRegion"}),
    "aws:rds/cluster:Cluster": frozenset(
        {"clusterIdentifier", "engine", "storageEncrypted", "kmsKeyId", "databaseName"}
    ),
    "aws:lambda/function:Function": frozenset({"name"}),
    "aws:iam/role:Role": frozenset({"name"}),
    "aws:ec2/vpc:Vpc": frozenset({"cidrBlock"}),
    "aws:ec2/subnet:Subnet": frozenset({"cidrBlock", "availabilityZone", "vpcId"}),
    "aws:cloudwatch/logGroup:LogGroup": frozenset({"name"}),
    "aws:organizations/account:Account": frozenset({"email"}),
}


@dataclass(frozen=True)
class Change:
    op: str  # create | update | replace | delete
    urn: str
    type: str
    paths: tuple[str, ...] = ()


def diff_plans(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    before = {r["urn"]: r for r in old.get("resources", [])}
    after = {r["urn"]: r for r in new.get("resources", [])}
    changes: list[Change] = []
    for urn in sorted(after.keys() - before.keys()):
        changes.append(Change("create", urn, after[urn]["type"]))
    for urn in sorted(before.keys() - after.keys()):
        changes.append(Change("delete", urn, before[urn]["type"]))
    for urn in sorted(before.keys() & after.keys()):
        old_r, new_r = before[urn], after[urn]
        paths = tuple(changed_paths(old_r.get("inputs", {}), new_r.get("inputs", {})))
        if old_r.get("provider") != new_r.get("provider"):
            paths = ("(provider)", *paths)
        if not paths:
            continue
        forcing = REPLACE_ON_CHANGE.get(new_r["type"], frozenset())
        top = {p.split(".")[0].split("[")[0] for p in paths}
        op = "replace" if top & forcing or "(provider)" in top else "update"
        changes.append(Change(op, urn, new_r["type"], paths))
    return changes


def changed_paths(old: Any, new: Any, prefix: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(old.keys() | new.keys()):
            path = f"{prefix}.{key}" if prefix else str(key)
            if key not in old or key not in new:
                out.append(path)
            else:
                out.extend(changed_paths(old[key], new[key], path))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            out.extend(changed_paths(a, b, f"{prefix}[{i}]"))
        return out
    return [] if old == new else [prefix or "(value)"]


def summarize(changes: list[Change]) -> dict[str, int]:
    counts = {"create": 0, "update": 0, "replace": 0, "delete": 0}
    for change in changes:
        counts[change.op] += 1
    return counts
