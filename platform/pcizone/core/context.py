"""Everything a stack's components need to know about the stack they are in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import pulumi

from pcizone.config.models import DeveloperConfig, OrgConfig, StackConfig, StageConfig
from pcizone.config.stack_names import StackIdentity, StackKind
from pcizone.core.naming import Naming

C = TypeVar("C", OrgConfig, StageConfig, DeveloperConfig)

PROJECT = "pcizone"

# Which stacks each kind may read through a StackReference (deploy order follows from it).
REFERENCED_STACKS: dict[StackKind, tuple[str, ...]] = {
    StackKind.ORG: (),
    StackKind.STAGE: ("org",),
    StackKind.DEVELOPER: ("org", "dev"),
}


@dataclass
class StackContext(Generic[C]):
    identity: StackIdentity
    config: C
    naming: Naming
    _refs: dict[str, pulumi.StackReference] = field(default_factory=dict, repr=False)

    @classmethod
    def create(cls, identity: StackIdentity, config: C) -> StackContext[C]:
        naming = Naming(identity, owner=str(config.owner), cost_centre=config.cost_centre)
        return cls(identity, config, naming)

    def stack_ref(self, stack: str) -> pulumi.StackReference:
        """One StackReference per referenced stack (offline: resolved from its offline run)."""
        allowed = REFERENCED_STACKS[self.identity.kind]
        if stack not in allowed:
            raise ValueError(
                f"a {self.identity.kind} stack may reference only {allowed}, not {stack}"
            )
        if stack not in self._refs:
            full = f"{self.config.pulumi_org}/{PROJECT}/{stack}"
            self._refs[stack] = pulumi.StackReference(f"ref-{stack}", stack_name=full)
        return self._refs[stack]

    def ref_output(self, stack: str, key: str) -> pulumi.Output[Any]:
        return self.stack_ref(stack).require_output(key)


def any_context(identity: StackIdentity, config: StackConfig) -> StackContext[Any]:
    return StackContext.create(identity, config)  # type: ignore[arg-type]
