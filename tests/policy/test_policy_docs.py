"""docs/policies.md is generated from the registry and must be current."""

from __future__ import annotations

from pcizone.policy.docs import DOC_PATH, render
from pcizone.policy.registry import all_policies


def test_policies_doc_is_current(repo_root):  # type: ignore[no-untyped-def]
    committed = (repo_root / DOC_PATH).read_text(encoding="utf-8")
    assert committed == render(), "run: python -m pcizone.policy.docs"


def test_doc_lists_every_policy_with_its_requirements():
    text = render()
    for policy in all_policies():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{policy.id}` |"))
        assert ", ".join(policy.requirements) in row
        assert policy.severity.value in row
