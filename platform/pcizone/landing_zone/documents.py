"""Builders for IAM-language documents (identity, trust, key, bucket policies and SCPs).

Documents are plain dicts built by pure functions from plain strings, so a test can read them
without running Pulumi; `render` checks the grammar and size and returns the minified JSON the
engine receives. A bug in a document is one clear error at preview, not an AWS error at deploy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pcizone.landing_zone.iam_grammar import DocumentKind, problems

VERSION = "2012-10-17"

Document = dict[str, Any]
Statement = dict[str, Any]
Condition = Mapping[str, Mapping[str, str | Sequence[str]]]


class PolicyDocumentError(ValueError):
    """A policy document this program built is not valid IAM grammar or is too large."""


def statement(
    sid: str,
    effect: str,
    *,
    actions: str | Sequence[str] | None = None,
    not_actions: Sequence[str] | None = None,
    resources: str | Sequence[str] | None = None,
    not_resources: Sequence[str] | None = None,
    principal: str | Mapping[str, str | Sequence[str]] | None = None,
    condition: Condition | None = None,
) -> Statement:
    """One statement; keys appear only when given, in the order AWS documents them."""
    out: Statement = {"Sid": sid, "Effect": effect}
    if principal is not None:
        out["Principal"] = _plain(principal)
    if actions is not None:
        out["Action"] = _plain(actions)
    if not_actions is not None:
        out["NotAction"] = list(not_actions)
    if resources is not None:
        out["Resource"] = _plain(resources)
    if not_resources is not None:
        out["NotResource"] = list(not_resources)
    if condition:
        out["Condition"] = {
            op: {k: _plain(v) for k, v in tests.items()} for op, tests in condition.items()
        }
    return out


def document(*statements: Statement) -> Document:
    return {"Version": VERSION, "Statement": list(statements)}


def minified(doc: Document) -> str:
    """The JSON AWS stores: no whitespace, keys in build order (quotas count characters)."""
    return json.dumps(doc, separators=(",", ":"))


def render(doc: Document, kind: DocumentKind, what: str) -> str:
    """Minified JSON of `doc` after checking its grammar and size for `kind`."""
    found = problems(doc, kind)
    if found:
        raise PolicyDocumentError(f"{what}: {found[0]}")
    return minified(doc)


def deny_insecure_transport(service: str, resources: Sequence[str]) -> Statement:
    """The TLS-only statement for a resource policy (PCI DSS 4.2.1)."""
    return statement(
        "DenyInsecureTransport",
        "Deny",
        principal="*",
        actions=f"{service}:*",
        resources=list(resources),
        condition={"Bool": {"aws:SecureTransport": "false"}},
    )


def account_root(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:root"


def role_arn(account_id: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{name}"


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return list(value)
