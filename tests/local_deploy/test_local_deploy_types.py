"""Every resource type the real stacks declare is either created locally or listed, with why."""

from __future__ import annotations

from pcizone.local.deploy.handlers import HANDLERS
from pcizone.local.deploy.not_emulated import NOT_EMULATED
from pcizone.offline.model import RecordedRun
from pcizone.offline.runner import run_stack

STACKS = ("org", "dev", "dev-alice", "dev-bob")


def test_every_type_in_the_real_stacks_has_a_handler_or_a_reason() -> None:
    cache: dict[str, RecordedRun] = {}
    unaccounted: dict[str, str] = {}
    declared: set[str] = set()
    for stack in STACKS:
        for resource in run_stack(stack, cache=cache).resources:
            if not resource.custom or resource.type.startswith("pulumi:"):
                continue
            declared.add(resource.type)
            if resource.type not in HANDLERS and resource.type not in NOT_EMULATED:
                unaccounted.setdefault(resource.type, stack)
    assert unaccounted == {}
    # Reasons for types nobody declares any more would only mislead the summary's reader.
    assert set(NOT_EMULATED) <= declared


def test_no_type_is_both_handled_and_listed_as_not_emulated() -> None:
    assert set(HANDLERS) & set(NOT_EMULATED) == set()
    assert all(reason.strip() for reason in NOT_EMULATED.values())
