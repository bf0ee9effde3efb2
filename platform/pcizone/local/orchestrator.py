"""`pcizone up --stack S --local`: deploy S and what it reads into the local cloud, run its
functions, push the demo payments through, and report.

Order: start PostgreSQL and the emulator, deploy `org`, then the stage stack, then S (each
stack's outputs feed the next one's StackReferences), start the local runtime with S's
functions, queues and routes, run the scenario, evaluate the PCI policy pack on S. Whatever
happens, every process started here is stopped before `run_up` returns (the runtime drains
first, so no message is lost), and the local cloud is saved for the next run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pcizone.config.loader import load_stack_config
from pcizone.config.stack_names import StackKind, parse_stack_name
from pcizone.core.context import REFERENCED_STACKS
from pcizone.local.deploy.deployer import DeployResult
from pcizone.local.deploy.registry import RuntimePlan, runtime_plan
from pcizone.local.local_cloud import LocalCloud
from pcizone.local.paths import LocalPaths
from pcizone.local.schedules import Scheduler

if TYPE_CHECKING:
    from pcizone.local.runtime import LocalRuntime
    from pcizone.local.scenario import ScenarioResult
    from pcizone.policy.verdict import PolicyVerdict

Serve = Callable[["UpReport", "LocalRuntime"], None]
FAILED_VISIBILITY_SECONDS = 1
SCENARIO_TIMEOUT_SECONDS = 120.0
SECONDS_PER_PAYMENT = 0.25  # generous: a laptop settles tens of payments per second


class Progress(Protocol):
    def step(self, message: str) -> None:
        """Something started (shown until the next step)."""

    def done(self, message: str) -> None:
        """Something finished (a line that stays)."""


@dataclass(frozen=True)
class UpRequest:
    stack: str
    repo_root: Path
    state_dir: Path | None = None  # default: <repo>/.state/local
    payments: int | None = None  # scenario size; None: the scenario's default
    # --serve: called with the report so far and the running runtime after the scenario; it
    # returns when serving should end (the runtime then drains and everything stops).
    serve: Serve | None = None


@dataclass
class UpReport:
    stack: str
    stacks: list[DeployResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # local substitutions and restores
    runtime: dict[str, Any] | None = None  # LocalRuntime.describe()
    scenario: ScenarioResult | None = None
    verdict: PolicyVerdict | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def resource_count(self) -> int:
        return sum(len(result.resources) for result in self.stacks)

    @property
    def expectations_held(self) -> bool:
        scenario_ok = self.scenario is None or bool(self.scenario.ok)
        policy_ok = self.verdict is None or self.verdict.passed
        return scenario_ok and policy_ok


def deploy_order(stack: str) -> list[str]:
    """The stacks `stack` reads, recursively, then `stack`: org, the stage, the developer."""
    order: list[str] = []

    def visit(name: str) -> None:
        for dependency in REFERENCED_STACKS[parse_stack_name(name).kind]:
            visit(dependency)
        if name not in order:
            order.append(name)

    visit(stack)
    return order


def run_up(request: UpRequest, progress: Progress) -> UpReport:
    identity = parse_stack_name(request.stack)
    _, config, _ = load_stack_config(request.stack, request.repo_root)
    paths = LocalPaths(request.state_dir or LocalPaths.for_repo(request.repo_root).root)
    report = UpReport(stack=request.stack)
    cloud = LocalCloud(
        paths, repo_root=request.repo_root, region=config.region, progress=progress.step
    )
    with _timed(report, "start"):
        cloud.start()
    try:
        outputs: dict[str, dict[str, Any]] = {}
        with _timed(report, "deploy"):
            for stack in deploy_order(request.stack):
                progress.step(f"deploying {stack}")
                result = cloud.deploy(stack, outputs)
                outputs[stack] = result.plain_outputs()
                report.stacks.append(result)
                progress.done(_deployed_line(result))
        report.notes.extend(cloud.notes)
        report.notes.extend(
            f"{urn.rsplit('::', 1)[-1]}: {text}" for urn, text in cloud.services.notes
        )
        references = {k: v for k, v in outputs.items() if k != request.stack}
        report.verdict = _policy_verdict(request.stack, request.repo_root, references, progress)
        if identity.kind is StackKind.DEVELOPER:
            plan = runtime_plan(report.stacks[-1].resources, cloud.function_builder())
            report.notes.extend(plan.notes)
            _run_functions(request, cloud, plan, report, progress)
    finally:
        with _timed(report, "stop"):
            cloud.stop()
        report.notes.extend(note for note in cloud.notes if note not in report.notes)
    return report


def _run_functions(
    request: UpRequest,
    cloud: LocalCloud,
    plan: RuntimePlan,
    report: UpReport,
    progress: Progress,
) -> None:
    from pcizone.local.runtime import LocalRuntime, RuntimeTuning
    from pcizone.local.scenario import DEFAULT_PAYMENTS, run_scenario

    progress.step(f"starting {len(plan.functions)} functions in the local runtime")
    # A failed message comes back after a second instead of the queue's visibility timeout,
    # so the poison message reaches the DLQ within the scenario (the runtime notes it).
    tuning = RuntimeTuning(failed_visibility_seconds=FAILED_VISIBILITY_SECONDS)
    runtime = LocalRuntime(
        cloud.endpoint,
        plan.functions,
        plan.event_sources,
        plan.routes,
        cloud.paths.logs,
        tuning=tuning,
    )
    scheduler = Scheduler(runtime.invoke, plan.schedules)
    with _timed(report, "runtime start"):
        runtime.start()
    try:
        scheduler.start()
        report.runtime = runtime.describe()
        progress.done(
            f"local runtime up: {len(plan.functions)} functions, API at {runtime.api_url}"
        )
        progress.step("pushing the demo payments through the API, queue, worker and ledger")
        payments = request.payments or DEFAULT_PAYMENTS
        with _timed(report, "scenario"):
            report.scenario = run_scenario(
                runtime,
                payments=payments,
                timeout_seconds=SCENARIO_TIMEOUT_SECONDS + payments * SECONDS_PER_PAYMENT,
            )
        if request.serve is not None:
            progress.step(f"serving the API at {runtime.api_url} until Ctrl-C")
            request.serve(report, runtime)
    finally:
        progress.step("stopping the local runtime (draining what is in flight)")
        scheduler.stop()
        runtime.stop(drain=True)
        report.notes.extend(
            f"schedule {spec.rule} (every {spec.every_seconds:g} s, run locally):"
            f" ran {scheduler.runs[spec.rule]} times"
            + (f", {scheduler.failures[spec.rule]} failed" if scheduler.failures[spec.rule] else "")
            for spec in plan.schedules
        )


def _policy_verdict(
    stack: str,
    repo_root: Path,
    references: dict[str, dict[str, Any]],
    progress: Progress,
) -> PolicyVerdict | None:
    """The pack's verdict on the offline preview of `stack` (None if the pack is absent).

    The stacks it reads are not previewed again: their deployed outputs stand in.
    """
    try:
        from pcizone.policy.evaluate import evaluate_run
    except ImportError:
        return None
    from pcizone.offline.runner import run_stack

    progress.step(f"evaluating the PCI policy pack on {stack}")
    return evaluate_run(run_stack(stack, repo_root=repo_root, stack_outputs=references))


def _deployed_line(result: DeployResult) -> str:
    counts = result.counts()
    parts = [f"{counts[k]} {k}" for k in ("create", "update", "replace", "delete") if counts[k]]
    changed = ", ".join(parts) if parts else "no changes"
    return f"deployed {result.stack}: {len(result.resources)} resources ({changed})"


@contextmanager
def _timed(report: UpReport, name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        report.timings[name] = report.timings.get(name, 0.0) + time.perf_counter() - started
