"""Deploy one stack into the local cloud: run the real program with mocks that create resources.

`deploy_stack` runs `platform/__main__.py` for the stack, against the previous deploy state,
then deletes what the program no longer declares and saves the new state. A failed deploy
names the resource and the cause, and still saves what it did (partial state), so the next
run neither repeats nor forgets it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pcizone.errors import EXIT_FAILED, UserError
from pcizone.local.aws_access import AwsAccess
from pcizone.local.deploy.handlers import HANDLERS
from pcizone.local.deploy.handlers.base import Handler, ResourceContext
from pcizone.local.deploy.mocks import (
    DeployedResource,
    LocalCloudMocks,
    deployed_from_state,
    describe_cause,
)
from pcizone.local.deploy.not_emulated import NOT_EMULATED
from pcizone.local.deploy.services import LocalServices, function_lookup
from pcizone.local.deploy.state import Action, ResourceState, StackState, deletion_order
from pcizone.offline.model import RecordedRun, redact, unwrap
from pcizone.offline.runner import MocksFactory, run_program, run_stack


class DeployError(UserError):
    """A resource could not be deployed into the local cloud; the message names it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_FAILED)


@dataclass(frozen=True)
class DeployResult:
    stack: str
    run: RecordedRun
    resources: list[DeployedResource]
    deleted: list[ResourceState] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def outputs(self) -> dict[str, Any]:
        """Stack outputs with secrets still wrapped (print with `redact`)."""
        return self.run.outputs

    def plain_outputs(self) -> dict[str, Any]:
        """What a StackReference to this stack reads."""
        result = unwrap(self.run.outputs)
        assert isinstance(result, dict)
        return result

    def counts(self) -> Counter[str]:
        counts: Counter[str] = Counter(r.action.value for r in self.resources)
        counts[Action.DELETE.value] += len(self.deleted)
        return counts

    def not_emulated(self) -> list[DeployedResource]:
        return [r for r in self.resources if not r.emulated]

    @property
    def changed(self) -> bool:
        return bool(self.deleted) or any(r.action is not Action.SAME for r in self.resources)


@dataclass(frozen=True)
class DeployTarget:
    """Everything a stack deploy needs from the local cloud."""

    repo_root: Path
    aws: AwsAccess
    services: LocalServices
    generation: str  # this run's: states are saved with it, and so is the emulator snapshot
    previous_generation: str | None  # the restored emulator's (None: it started empty)
    hash_key: bytes
    handlers: Mapping[str, Handler] = field(default_factory=lambda: HANDLERS)
    not_emulated: Mapping[str, str] = field(default_factory=lambda: NOT_EMULATED)


def deploy_stack(
    stack: str,
    target: DeployTarget,
    *,
    state_path: Path,
    stack_outputs: dict[str, dict[str, Any]],
    config_overrides: dict[str, Any] | None = None,
) -> DeployResult:
    """Deploy the real program for `stack` (its referenced stacks' outputs in `stack_outputs`)
    and save its state."""

    def run(factory: MocksFactory) -> RecordedRun:
        return run_stack(
            stack,
            repo_root=target.repo_root,
            config_overrides=config_overrides,
            mocks_factory=factory,
            stack_outputs=stack_outputs,
            preview=False,
        )

    return _deploy(stack, target, state_path, run)


def deploy_program(
    program: Path,
    stack: str,
    target: DeployTarget,
    *,
    state_path: Path,
    region: str,
    config: Mapping[str, str],
    stack_outputs: dict[str, dict[str, Any]] | None = None,
) -> DeployResult:
    """Deploy any Pulumi program file (engine-style string config) and save its state."""

    def run(factory: MocksFactory) -> RecordedRun:
        return run_program(
            program,
            stack=stack,
            config=config,
            mocks=factory(region, dict(stack_outputs or {})),
            preview=False,
        )

    return _deploy(stack, target, state_path, run)


def _deploy(
    stack: str,
    target: DeployTarget,
    state_path: Path,
    run_with: Callable[[MocksFactory], RecordedRun],
) -> DeployResult:
    started = time.perf_counter()
    # Saved by an earlier run (the restored emulator's) or earlier in this run.
    previous = StackState.load(state_path, stack, target.previous_generation, target.generation)
    made: list[LocalCloudMocks] = []

    def factory(region: str, refs: dict[str, dict[str, Any]]) -> LocalCloudMocks:
        mocks = LocalCloudMocks(
            region=region,
            stack_outputs=refs,
            stack=stack,
            aws=target.aws,
            previous=previous,
            handlers=target.handlers,
            not_emulated=target.not_emulated,
            services=target.services,
            hash_key=target.hash_key,
            project_dir=target.repo_root,
            generation=target.generation,
        )
        target.services.add_lookup(function_lookup(mocks.deployed))
        made.append(mocks)
        return mocks

    try:
        run = run_with(factory)
    except BaseException as exc:
        # Whatever stopped the run (a resource, the program, Ctrl-C), what it created is saved:
        # the next run must neither create it again nor lose track of it.
        if not made:
            raise
        mocks = made[-1]
        _partial_state(previous, mocks.state, mocks.removed).save(state_path)
        if isinstance(exc, Exception) and mocks.failure is not None:
            raise DeployError(f"stack {stack}: {mocks.failure.describe()}") from exc
        raise
    mocks = made[-1]
    state = mocks.state
    _attach_dependencies(state, run)
    gone = [entry for urn, entry in previous.resources.items() if urn not in state.resources]
    deleted = _delete_gone(stack, target, gone, state, state_path)
    state.outputs = redact(run.outputs)
    state.save(state_path)
    resources = sorted(mocks.deployed.values(), key=lambda r: r.urn)
    return DeployResult(stack, run, resources, deleted, time.perf_counter() - started)


def _partial_state(previous: StackState, done: StackState, removed: set[str]) -> StackState:
    """After a failure: what this run did, plus what it had not reached yet (still there)."""
    kept = {urn: e for urn, e in previous.resources.items() if urn not in removed}
    merged = StackState(previous.stack, done.generation, kept)
    merged.resources.update(done.resources)
    merged.outputs = previous.outputs
    return merged


def _attach_dependencies(state: StackState, run: RecordedRun) -> None:
    recorded = run.by_urn()
    for urn, entry in list(state.resources.items()):
        found = recorded.get(urn)
        if found is None:
            continue
        deps = set(found.dependencies)
        for urns in found.property_dependencies.values():
            deps.update(urns)
        deps.discard(urn)
        state.resources[urn] = ResourceState(
            entry.urn, entry.type, entry.id, entry.placement, entry.inputs, entry.outputs,
            tuple(sorted(deps)), entry.emulated,
        )  # fmt: skip


def _delete_gone(
    stack: str,
    target: DeployTarget,
    gone: list[ResourceState],
    state: StackState,
    state_path: Path,
) -> list[ResourceState]:
    deleted: list[ResourceState] = []
    ordered = deletion_order(gone)
    for index, entry in enumerate(ordered):
        handler = target.handlers.get(entry.type)
        if handler is None or not entry.emulated:
            deleted.append(entry)  # a stand-in exists only in the state file
            continue
        ctx = ResourceContext(
            urn=entry.urn,
            type=entry.type,
            name=entry.urn.rsplit("::", 1)[-1],
            stack=stack,
            placement=entry.placement,
            aws=target.aws,
            default_tags={},
            services=target.services,
            project_dir=target.repo_root,
        )
        current = deployed_from_state(entry, target.aws.endpoint.url)
        assert current is not None
        try:
            handler.delete(ctx, current)
        except Exception as exc:
            for remaining in ordered[index:]:
                state.resources[remaining.urn] = remaining
            state.save(state_path)
            raise DeployError(
                f"stack {stack}: deleting {entry.type} {ctx.name!r} ({entry.urn}) failed: "
                f"{describe_cause(exc, [])}"
            ) from exc
        deleted.append(entry)
    return deleted
