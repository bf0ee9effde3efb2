"""The deploy state of one stack in the local cloud: what exists, keyed by URN.

Each entry holds the emulator's id for the resource, where it lives (account, region, the role
used), its inputs in normalized form (`normalize.py`: secrets and archives hashed) and the
attributes the emulator computed. Comparing the program's inputs with an entry decides what a
deploy does: create, leave unchanged, update in place, replace, or delete what is gone.

The file carries the generation of the emulator snapshot it belongs to: a state whose resources
are not in the restored emulator (an interrupted run) is never trusted.
"""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pcizone.local.paths import write_private

FORMAT = 1


class Action(enum.StrEnum):
    CREATE = "create"
    SAME = "same"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"


@dataclass(frozen=True)
class Placement:
    """Where a resource lives: the account, region and role its provider deploys with."""

    account: str
    region: str
    role_arn: str | None = None


@dataclass(frozen=True)
class ResourceState:
    urn: str
    type: str
    id: str
    placement: Placement
    inputs: dict[str, Any]  # normalized (secret-free)
    outputs: dict[str, Any]  # computed by the emulator (never secret), tokenized
    dependencies: tuple[str, ...] = ()
    emulated: bool = True  # False: a stand-in for a type the emulator cannot run

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["dependencies"] = list(self.dependencies)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ResourceState:
        return cls(
            urn=str(data["urn"]),
            type=str(data["type"]),
            id=str(data["id"]),
            placement=Placement(**data["placement"]),
            inputs=dict(data["inputs"]),
            outputs=dict(data["outputs"]),
            dependencies=tuple(data.get("dependencies", ())),
            emulated=bool(data.get("emulated", True)),
        )


@dataclass
class StackState:
    stack: str
    generation: str
    resources: dict[str, ResourceState] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)  # redacted, for people to read

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "stack": self.stack,
            "generation": self.generation,
            "resources": [self.resources[urn].to_json() for urn in sorted(self.resources)],
            "outputs": self.outputs,
        }

    def save(self, path: Path) -> None:
        write_private(path, json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: Path, stack: str, *generations: str | None) -> StackState:
        """The saved state, or an empty one if there is none or it belongs to an emulator other
        than the ones whose `generations` are given (None: an emulator that started empty)."""
        valid = {g for g in generations if g}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(stack, "")
        except (OSError, ValueError) as exc:
            raise StateError(f"deploy state {path.name} cannot be read: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("stack") != stack:
            raise StateError(f"deploy state {path.name} is not a state of stack {stack}")
        generation = data.get("generation")
        if generation not in valid:
            return cls(stack, "")
        try:
            resources = [ResourceState.from_json(entry) for entry in data.get("resources", [])]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StateError(f"deploy state {path.name} has a malformed resource: {exc!r}") from exc
        return cls(
            stack,
            generation,
            {entry.urn: entry for entry in resources},
            dict(data.get("outputs", {})),
        )


class StateError(Exception):
    pass


def saved_generation(path: Path) -> str | None:
    """The generation a saved state file belongs to (None if it cannot be read)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = data.get("generation") if isinstance(data, dict) else None
    return str(found) if found else None


def deletion_order(entries: list[ResourceState]) -> list[ResourceState]:
    """Dependents before what they depend on (reverse topological order among `entries`)."""
    by_urn = {entry.urn: entry for entry in entries}
    ordered: list[ResourceState] = []
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(urn: str) -> None:
        # Depth-first over "is depended on by": a resource is placed after all its dependents.
        if urn in done or urn in visiting:
            return
        visiting.add(urn)
        for other in sorted(by_urn):
            if urn in by_urn[other].dependencies:
                visit(other)
        visiting.discard(urn)
        done.add(urn)
        ordered.append(by_urn[urn])

    for urn in sorted(by_urn):
        visit(urn)
    return ordered
