"""The one place resource names and tags come from.

Prefixes are disjoint by construction, so stacks never collide:
  org           -> pcz-org-...
  dev/staging/prod -> pcz-<stage>-...
  dev-<name>    -> pcz-u-<name>-...     (a developer's stack in the dev account)
  pr-<number>   -> pcz-pr-<number>-...  (a review stack in the dev account)
A stage name is followed by "-", and no stage is "u" or "pr", so no prefix is a prefix of another.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass

from pcizone.config.stack_names import StackIdentity, StackKind

TAG_PREFIX = "pcizone:"
TAG_STACK = "pcizone:stack"
TAG_STAGE = "pcizone:stage"
TAG_OWNER = "pcizone:owner"
TAG_COST_CENTRE = "pcizone:cost-centre"
TAG_MANAGED_BY = "pcizone:managed-by"
TAG_DATA_CLASSIFICATION = "pcizone:data-classification"
TAG_PRINCIPAL_TYPE = "pcizone:principal-type"
TAG_COMPONENT = "pcizone:component"


class DataClass(enum.StrEnum):
    """Data classification tag values; policies key on them (PCI DSS 3.2.1 scoping)."""

    CARDHOLDER_DATA = "cardholder-data"
    LOGS = "logs"
    SECRETS = "secrets"
    INTERNAL = "internal"


class PrincipalType(enum.StrEnum):
    HUMAN = "human"
    WORKLOAD = "workload"
    PIPELINE = "pipeline"


@dataclass(frozen=True)
class Naming:
    identity: StackIdentity
    owner: str
    cost_centre: str

    @property
    def prefix(self) -> str:
        ident = self.identity
        if ident.kind is StackKind.DEVELOPER:
            if ident.is_review:
                return f"pcz-{ident.name}"  # pcz-pr-12
            return f"pcz-u-{ident.slug}"
        return f"pcz-{ident.stage}"

    def name(self, *parts: str, max_len: int = 64) -> str:
        """A physical name: prefix + parts, shortened with a stable hash when too long."""
        return fit(f"{self.prefix}-{'-'.join(parts)}", max_len)

    def default_tags(self) -> dict[str, str]:
        """Tags on every resource, set once on each provider."""
        return {
            TAG_STACK: self.identity.name,
            TAG_STAGE: self.identity.stage,
            TAG_OWNER: self.owner,
            TAG_COST_CENTRE: self.cost_centre,
            TAG_MANAGED_BY: "pulumi",
        }

    def tags(
        self,
        classification: DataClass = DataClass.INTERNAL,
        *,
        component: str | None = None,
        principal: PrincipalType | None = None,
    ) -> dict[str, str]:
        """Explicit per-resource tags; the stack tags are repeated so policies see them offline."""
        out = {**self.default_tags(), TAG_DATA_CLASSIFICATION: classification.value}
        if component:
            out[TAG_COMPONENT] = component
        if principal:
            out[TAG_PRINCIPAL_TYPE] = principal.value
        return out


def fit(name: str, max_len: int) -> str:
    if len(name) <= max_len:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: max_len - 9].rstrip('-')}-{digest}"
