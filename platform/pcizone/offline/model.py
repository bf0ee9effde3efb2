"""The recorded resource graph: what the engine would receive, plus the plan JSON contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from google.protobuf import struct_pb2


@dataclass(frozen=True)
class Secret:
    """A secret value as the engine sees it; printed only as "[secret]"."""

    value: Any

    def __repr__(self) -> str:
        return "Secret([secret])"


class _Unknown:
    """A value that is not known until the resource is created (preview)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()


@dataclass(frozen=True)
class Archive:
    """A pulumi.FileArchive/AssetArchive input, identified by path and content hash."""

    path: str | None
    sha256: str | None


@dataclass(frozen=True)
class ResourceRef:
    """A resource passed as an input (a Provider or component reference)."""

    urn: str
    id: str | None


@dataclass(frozen=True)
class RecordedResource:
    urn: str
    type: str
    name: str
    parent: str | None
    provider: str | None
    custom: bool
    dependencies: tuple[str, ...]
    property_dependencies: dict[str, tuple[str, ...]]
    inputs: dict[str, Any]
    wire: struct_pb2.Struct = field(compare=False, repr=False)
    outputs: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    id: str | None = None

    def plan_entry(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "provider": self.provider,
            "dependencies": sorted(self.dependencies),
            "propertyDependencies": {
                k: sorted(v) for k, v in sorted(self.property_dependencies.items())
            },
            "inputs": redact(self.inputs),
        }


@dataclass(frozen=True)
class RecordedRun:
    stack: str
    kind: str
    stage: str
    project: str
    resources: list[RecordedResource]
    outputs: dict[str, Any]

    def by_urn(self) -> dict[str, RecordedResource]:
        return {r.urn: r for r in self.resources}

    @property
    def cloud_resource_count(self) -> int:
        """Resources a deploy creates in the cloud: providers and stack references are the
        engine's own, so the local cloud's deploy and this count agree."""
        return sum(1 for r in self.resources if r.custom and not r.type.startswith("pulumi:"))

    def of_type(self, type_: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_]

    def named(self, name: str, type_: str | None = None) -> RecordedResource:
        found = [r for r in self.resources if r.name == name and type_ in (None, r.type)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} resources named {name!r} (type {type_})")
        return found[0]

    def to_plan(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "kind": self.kind,
            "stage": self.stage,
            "project": self.project,
            "resources": [r.plan_entry() for r in self.resources],
            "outputs": redact(self.outputs),
        }


def redact(value: Any) -> Any:
    """Plain JSON for a plan: secrets as "[secret]", unknowns as "[unknown]"."""
    if isinstance(value, Secret):
        return "[secret]"
    if value is UNKNOWN:
        return "[unknown]"
    if isinstance(value, Archive):
        return {"archive": value.path, "sha256": value.sha256}
    if isinstance(value, ResourceRef):
        return {"resource": value.urn}
    if isinstance(value, dict):
        return {str(k): redact(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def unwrap(value: Any) -> Any:
    """Plain Python with secrets revealed and unknowns as None (for emulators, never for print)."""
    if isinstance(value, Secret):
        return unwrap(value.value)
    if value is UNKNOWN:
        return None
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [unwrap(v) for v in value]
    return value
