"""IAM-style policy documents (identity, key, bucket and queue policies, SCPs) as statements."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pcizone.policy import values


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...]
    not_resources: tuple[str, ...] | None
    principals: tuple[str, ...] | None
    """AWS/Service/Federated principal values flattened; None when the statement has none."""
    condition: Mapping[str, Any]

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def denies(self) -> bool:
        return self.effect == "Deny"

    def covers_action(self, action: str) -> bool:
        """Whether the statement's action list includes `action` (wildcards honoured)."""
        if self.not_actions is not None:
            return not any(action_matches(p, action) for p in self.not_actions)
        return any(action_matches(p, action) for p in self.actions)

    def covers_all_resources(self) -> bool:
        return self.not_resources is None and "*" in self.resources

    def applies_to_everyone(self) -> bool:
        return self.principals is not None and "*" in self.principals

    def condition_values(self, operator_prefix: str, key: str) -> list[str]:
        """Values a condition tests `key` with, for operators starting with `operator_prefix`."""
        found: list[str] = []
        for operator, tests in self.condition.items():
            if not str(operator).startswith(operator_prefix) or not isinstance(tests, Mapping):
                continue
            for test_key, test_values in tests.items():
                if str(test_key).lower() == key.lower():
                    found.extend(values.as_str_list(test_values))
        return found


def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, `*` and `?` wildcards."""
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def parse_statements(document: Any, what: str) -> list[Statement]:
    """The statements of a JSON policy document (string or object).

    Raises values.DocumentError for a document that is not JSON or has no Statement.
    """
    doc = values.parse_json(document, what)
    if not isinstance(doc, Mapping) or "Statement" not in doc:
        raise values.DocumentError(f"{what} has no Statement")
    raw = doc["Statement"]
    items = [raw] if isinstance(raw, Mapping) else values.as_list(raw)
    return [_statement(item) for item in items if isinstance(item, Mapping)]


def _statement(item: Mapping[str, Any]) -> Statement:
    not_actions = item.get("NotAction")
    not_resources = item.get("NotResource")
    return Statement(
        effect=str(item.get("Effect", "")),
        actions=tuple(values.as_str_list(item.get("Action"))),
        not_actions=tuple(values.as_str_list(not_actions)) if not_actions is not None else None,
        resources=tuple(values.as_str_list(item.get("Resource"))),
        not_resources=tuple(values.as_str_list(not_resources))
        if not_resources is not None
        else None,
        principals=_principals(item.get("Principal")),
        condition=values.as_mapping(item.get("Condition")) or {},
    )


def _principals(principal: Any) -> tuple[str, ...] | None:
    if principal is None:
        return None
    if isinstance(principal, str):
        return (principal,)
    if isinstance(principal, Mapping):
        flat: list[str] = []
        for value in principal.values():
            flat.extend(values.as_str_list(value))
        return tuple(flat)
    return ()


def denies_insecure_transport(statements: list[Statement], service: str) -> bool:
    """The TLS-only statement: Deny everyone every `service` action when aws:SecureTransport is false."""
    for st in statements:
        if not (st.denies and st.applies_to_everyone() and st.not_resources is None):
            continue
        if not any(p in ("*", f"{service}:*") for p in st.actions):
            continue
        tested = st.condition_values("Bool", "aws:SecureTransport")
        if "false" in [v.lower() for v in tested]:
            return True
    return False
