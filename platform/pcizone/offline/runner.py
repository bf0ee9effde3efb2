"""Run a Pulumi program in-process under the SDK's mock runtime; return what it declared.

Each run gets a fresh contextvars context, root Stack and event loop (FACTS.md): the SDK keeps
its state in context variables, and reusing them silently returns the previous run's stack.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import runpy
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import wait_for_rpcs

from pcizone.config.loader import PROJECT, find_repo_root, load_stack_config
from pcizone.core.context import REFERENCED_STACKS
from pcizone.errors import UserError
from pcizone.offline.errors import ProgramError, describe_program_exception
from pcizone.offline.mocks import ProgramMocks
from pcizone.offline.model import UNKNOWN, RecordedRun, Secret, unwrap
from pcizone.offline.monitor import RecordingMonitor
from pcizone.offline.preview_mocks import PreviewMocks

MocksFactory = Callable[[str, dict[str, dict[str, Any]]], ProgramMocks]
PROGRAM = Path("platform") / "__main__.py"


def run_program(
    program: Path,
    *,
    stack: str,
    config: Mapping[str, str],
    secret_keys: Iterable[str] = (),
    project: str = PROJECT,
    mocks: ProgramMocks | None = None,
    region: str = "eu-west-1",
    stack_outputs: dict[str, dict[str, Any]] | None = None,
    preview: bool = True,
    kind: str = "",
    stage: str = "",
) -> RecordedRun:
    """Run `program` (a file) for `stack` and record every registration and the stack outputs."""
    used = mocks or PreviewMocks(region=region, stack_outputs=stack_outputs or {})
    context = contextvars.Context()
    return context.run(
        _run,
        program,
        stack,
        project,
        dict(config),
        list(secret_keys),
        used,
        preview,
        kind,
        stage,
    )


def _run(
    program: Path,
    stack: str,
    project: str,
    config: dict[str, str],
    secret_keys: list[str],
    mocks: ProgramMocks,
    preview: bool,
    kind: str,
    stage: str,
) -> RecordedRun:
    loop = asyncio.new_event_loop()
    unretrieved: list[dict[str, Any]] = []
    # A failed run leaves futures whose exceptions nobody retrieves; keep stderr clean.
    loop.set_exception_handler(lambda _loop, ctx: unretrieved.append(ctx))
    asyncio.set_event_loop(loop)
    monitor = RecordingMonitor(mocks)
    try:
        pulumi.runtime.set_all_config(config, secret_keys)
        pulumi.runtime.set_mocks(
            mocks, project=project, stack=stack, preview=preview, monitor=monitor
        )
        pulumi_settings.SETTINGS.outputs = set()
        try:
            runpy.run_path(str(program), run_name="__main__")
            loop.run_until_complete(wait_for_rpcs())
            root = pulumi_settings.get_root_resource()
            exports = getattr(root, "outputs", {}) or {}
            outputs = {k: loop.run_until_complete(_resolve(v)) for k, v in exports.items()}
        except UserError:
            raise
        except Exception as exc:
            raise ProgramError(describe_program_exception(stack, exc)) from exc
    finally:
        _close(loop)
        monitor.close()
    resources = sorted(monitor.recorded.values(), key=lambda r: r.urn)
    return RecordedRun(
        stack=stack,
        kind=kind,
        stage=stage,
        project=project,
        resources=resources,
        outputs=dict(sorted(outputs.items())),
    )


async def _resolve(value: Any) -> Any:
    output = pulumi.Output.from_input(value)
    if not await output.is_known():
        return UNKNOWN
    resolved = await output.future(with_unknowns=True)
    return Secret(resolved) if await output.is_secret() else resolved


def _close(loop: asyncio.AbstractEventLoop) -> None:
    pending: list[asyncio.Task[Any]] = []
    try:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
        if pending:
            _release_abandoned_outputs()


def _release_abandoned_outputs() -> None:
    """Drop the SDK's outputs of this run now, not whenever the next run replaces them.

    An Output built from coroutines (StackReference outputs, for one) that was still waiting
    when the run ended is cancelled above, so its remaining coroutines are never awaited.
    Python warns when such a coroutine is garbage-collected; left to chance, that happens in
    some later, unrelated place. Collect them here, where it is expected and harmless.
    """
    pulumi_settings.SETTINGS.outputs = set()
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"coroutine 'Output\.\w+' was never awaited", category=RuntimeWarning
        )
        gc.collect()


def run_stack(
    stack: str,
    *,
    repo_root: Path | None = None,
    config_overrides: dict[str, Any] | None = None,
    mocks_factory: MocksFactory | None = None,
    stack_outputs: dict[str, dict[str, Any]] | None = None,
    preview: bool = True,
    cache: dict[str, RecordedRun] | None = None,
) -> RecordedRun:
    """Run the real program (platform/__main__.py) for `stack` with its validated config.

    Referenced stacks are run offline first (or taken from `stack_outputs`), so a developer
    stack sees the dev stack's outputs exactly as its own offline run produced them.
    """
    root = repo_root or find_repo_root()
    identity, config, raw = load_stack_config(stack, root, config_overrides)
    memo = cache if cache is not None else {}
    refs: dict[str, dict[str, Any]] = dict(stack_outputs or {})
    for dependency in REFERENCED_STACKS[identity.kind]:
        if dependency in refs:
            continue
        if dependency not in memo:
            memo[dependency] = run_stack(dependency, repo_root=root, cache=memo)
        refs[dependency] = unwrap(memo[dependency].outputs)
    factory: MocksFactory = mocks_factory or (
        lambda region, outputs: PreviewMocks(region=region, stack_outputs=outputs)
    )
    run = run_program(
        root / PROGRAM,
        stack=stack,
        config=raw.as_engine_strings(),
        secret_keys=raw.secret_keys,
        mocks=factory(config.region, refs),
        preview=preview,
        kind=identity.kind.value,
        stage=identity.stage,
    )
    memo[stack] = run
    return run
