"""What a rule sees: one resource, the whole stack, and the stack's stage and kind.

Rules never see pulumi-policy's argument classes: the CrossGuard adapter builds these views
from them, so the same rule runs under the real engine, offline, and in a direct unit test.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pcizone.core.naming import TAG_DATA_CLASSIFICATION, TAG_PRINCIPAL_TYPE, TAG_STAGE
from pcizone.policy import values

# Config keys every policy accepts (declared in each policy's config schema).
CONFIG_STAGE = "stage"
CONFIG_STACK_KIND = "stackKind"


@dataclass(frozen=True)
class Resource:
    urn: str
    type: str
    name: str
    props: Mapping[str, Any]
    provider_props: Mapping[str, Any] = field(default_factory=dict)
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @functools.cached_property
    def tags(self) -> Mapping[str, str]:
        """Effective tags: the provider's default tags, overridden by the resource's own."""
        merged: dict[str, str] = {}
        try:
            default_tags = values.parse_json(self.provider_props.get("defaultTags"), "defaultTags")
        except values.DocumentError:
            default_tags = None  # not JSON: no default tags (unclassified is judged strictly)
        # Under the real engine a stack policy sees outputs, where tagsAll has the defaults.
        sources = (
            values.get(default_tags, "tags"),
            self.props.get("tagsAll"),
            self.props.get("tags"),
        )
        for source in sources:
            if isinstance(source, Mapping):
                merged.update({str(k): str(v) for k, v in source.items()})
        return merged

    def tag(self, key: str) -> str | None:
        return self.tags.get(key)

    @property
    def classification(self) -> str | None:
        return self.tag(TAG_DATA_CLASSIFICATION)

    def may_hold(self, *classes: str) -> bool:
        """Whether the resource holds one of `classes`; an unclassified one might hold any."""
        return self.classification is None or self.classification in classes

    @property
    def is_human_principal(self) -> bool:
        return self.tag(TAG_PRINCIPAL_TYPE) == "human"

    def refers_to(self, prop: str, target: Resource, *target_props: str) -> bool:
        """Whether this resource's `prop` names `target`.

        Prefer the recorded property dependency (always known, even in preview); fall back to
        comparing a literal value with the target's identifying properties (`id`, `arn`, ...)
        only when the property depends on no resource at all.
        """
        deps = self.property_dependencies.get(prop, ())
        if deps:
            return target.urn in deps
        value = self.props.get(prop)
        if not isinstance(value, str) or not value:
            return False
        return any(target.props.get(p) == value for p in ("id", "arn", *target_props))


@dataclass(frozen=True)
class Stack:
    """Every resource of one stack, with lookups by URN and type."""

    urn: str
    resources: tuple[Resource, ...]

    @functools.cached_property
    def _by_urn(self) -> Mapping[str, Resource]:
        return {r.urn: r for r in self.resources}

    def get(self, urn: str) -> Resource | None:
        return self._by_urn.get(urn)

    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources if r.type in types]

    def referrers(
        self, target: Resource, types: Iterable[str], prop: str, *via: str
    ) -> list[Resource]:
        """Resources of `types` whose `prop` names `target` (see Resource.refers_to)."""
        wanted = tuple(types)
        return [r for r in self.of_type(*wanted) if r.refers_to(prop, target, *via)]

    def referenced(
        self, source: Resource, prop: str, types: Iterable[str], *via: str
    ) -> list[Resource]:
        """Resources of `types` that `source`'s `prop` names."""
        wanted = tuple(types)
        return [r for r in self.of_type(*wanted) if source.refers_to(prop, r, *via)]


@dataclass(frozen=True)
class Context:
    """The stack a rule runs in, from the pack config (CI and offline both set it)."""

    stage: str | None = None
    stack_kind: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Context:
        return cls(
            stage=values.as_str(config.get(CONFIG_STAGE)),
            stack_kind=values.as_str(config.get(CONFIG_STACK_KIND)),
        )

    def stage_of(self, resource: Resource) -> str | None:
        return self.stage or resource.tag(TAG_STAGE)

    def is_prod(self, resource: Resource) -> bool:
        """Prod, or a stage nobody stated: an unstated stage gets prod's stricter limits."""
        return self.stage_of(resource) in (None, "prod")
