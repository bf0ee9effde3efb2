"""Reading an offline run, shared by tests/landing_zone and tests/baseline.

Both read what the org stack declared (tests/baseline also its stage foundation runs); the org
stack runs once per session for both.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from typing import Any

from pcizone.offline import urns
from pcizone.offline.model import RecordedResource, RecordedRun, unwrap
from pcizone.offline.runner import run_stack
from pcizone.policy.evaluate import evaluate_run
from pcizone.policy.verdict import Status


def statements_by_sid(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {s["Sid"]: s for s in document["Statement"]}
    assert len(found) == len(document["Statement"]), "statements without a unique Sid"
    return found


class Recorded:
    """Lookups over one recorded run; every lookup fails loudly when it finds the wrong count."""

    def __init__(self, run: RecordedRun) -> None:
        self.run = run
        self.outputs: dict[str, Any] = unwrap(run.outputs)
        self.by_urn = run.by_urn()

    def all(self, type_: str) -> list[RecordedResource]:
        return self.run.of_type(type_)

    def one(self, type_: str, name: str) -> RecordedResource:
        return self.run.named(name, type_)

    def doc(self, resource: RecordedResource, prop: str = "policy") -> dict[str, Any]:
        """A JSON-typed input (policy, content, assumeRolePolicy) parsed."""
        value = resource.inputs[prop]
        assert isinstance(value, str), f"{resource.name}.{prop} is not a JSON string: {value!r}"
        parsed = json.loads(value)
        assert isinstance(parsed, dict)
        return parsed

    def sids(self, resource: RecordedResource, prop: str = "policy") -> dict[str, Any]:
        return statements_by_sid(self.doc(resource, prop))

    def provider_of(self, resource: RecordedResource) -> RecordedResource:
        assert resource.provider, f"{resource.name} uses the default provider"
        return self.by_urn[urns.provider_urn_of_reference(resource.provider)]

    def custom_resources(self) -> Iterator[RecordedResource]:
        for resource in self.run.resources:
            if resource.custom and not resource.type.startswith("pulumi:"):
                yield resource


@functools.cache
def run_org() -> Recorded:
    return Recorded(run_stack("org"))


def assert_passes_policies(run: RecordedRun, judged: Iterable[str]) -> None:
    """The pack finds nothing failed or unknown in `run`, and each of `judged` passed in it."""
    verdict = evaluate_run(run)
    failures = [
        (r.policy, r.resource_name, r.messages)
        for r in verdict.results
        if r.status in (Status.FAIL, Status.UNKNOWN)
    ]
    assert failures == []
    passed = {r.policy for r in verdict.results if r.status is Status.PASS}
    assert sorted(set(judged) - passed) == []
