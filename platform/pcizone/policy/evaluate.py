"""Evaluate the pack on a recorded run, offline, through the engine's analyzer code path."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from pcizone.offline.model import RecordedRun
from pcizone.policy import aws_types as t
from pcizone.policy.analyzer import (
    OfflineAnalyzer,
    Response,
    analyze_request,
    analyze_stack_request,
    stack_view_of_request,
)
from pcizone.policy.enforcement import default_levels, levels_for
from pcizone.policy.registry import all_policies
from pcizone.policy.spec import Level, PolicySpec, ResourcePolicySpec, StackPolicySpec
from pcizone.policy.verdict import PolicyResult, PolicyVerdict, Status
from pcizone.policy.views import CONFIG_STACK_KIND, CONFIG_STAGE, Context, Resource, Stack

# A run without a kind (a bare program) is judged with prod's levels and prod's limits.
STRICTEST_PROFILE = "prod"


def evaluate_run(
    run: RecordedRun, *, enforcement: Mapping[str, Any] | None = None
) -> PolicyVerdict:
    """Every policy on every resource it judges, with the stack's enforcement levels.

    `enforcement` overrides levels per policy id (or "all"), in the CLI pack config's shape;
    locked policies cannot be lowered (UserError).
    """
    if run.kind and run.stage:
        levels = levels_for(run.kind, run.stage, enforcement, source="policy enforcement")
        properties: dict[str, Any] = {CONFIG_STAGE: run.stage, CONFIG_STACK_KIND: run.kind}
    else:
        levels = default_levels(STRICTEST_PROFILE)
        properties = {}
    analyzer = OfflineAnalyzer()
    analyzer.configure({pid: (level, properties) for pid, level in levels.items()})
    ctx = Context.from_config(properties)

    active = [p for p in all_policies() if levels[p.id] is not Level.DISABLED]
    results = _resource_results(
        run, analyzer, [p for p in active if isinstance(p, ResourcePolicySpec)], levels
    )
    results += _stack_results(
        run, analyzer, [p for p in active if isinstance(p, StackPolicySpec)], levels, ctx
    )
    order = {p.id: i for i, p in enumerate(all_policies())}
    results.sort(key=lambda r: (order[r.policy], r.urn))
    return PolicyVerdict(
        stack=run.stack,
        kind=run.kind,
        stage=run.stage,
        policies=all_policies(),
        levels=levels,
        results=tuple(results),
    )


def _resource_results(
    run: RecordedRun,
    analyzer: OfflineAnalyzer,
    specs: Sequence[ResourcePolicySpec],
    levels: Mapping[str, Level],
) -> list[PolicyResult]:
    judged = {type_ for spec in specs for type_ in spec.types}
    by_urn = run.by_urn()
    results: list[PolicyResult] = []
    for resource in run.resources:
        # The engine also sends resources no policy judges; their answer is always empty.
        if resource.type not in judged:
            continue
        response = analyzer.analyze(analyze_request(resource, by_urn))
        for spec in specs:
            if resource.type in spec.types:
                results.append(_resource_result(spec, resource.urn, response, levels[spec.id]))
    return results


def _resource_result(spec: PolicySpec, urn: str, response: Response, level: Level) -> PolicyResult:
    diagnostics = [d for d in response.diagnostics if d.policy == spec.id]
    failures = tuple(d.message for d in diagnostics if not d.unknown)
    unknown = tuple(d.message for d in diagnostics if d.unknown)
    if failures:
        return PolicyResult(spec.id, urn, Status.FAIL, failures, level, spec.severity)
    if unknown:
        return PolicyResult(spec.id, urn, Status.UNKNOWN, unknown, level, spec.severity)
    if spec.id in response.not_applicable:
        reason = (response.not_applicable[spec.id],)
        return PolicyResult(spec.id, urn, Status.NOT_APPLICABLE, reason, level, spec.severity)
    return PolicyResult(spec.id, urn, Status.PASS, (), level, spec.severity)


def _stack_results(
    run: RecordedRun,
    analyzer: OfflineAnalyzer,
    specs: Sequence[StackPolicySpec],
    levels: Mapping[str, Level],
    ctx: Context,
) -> list[PolicyResult]:
    request = analyze_stack_request(run)
    response = analyzer.analyze_stack(request)
    stack = stack_view_of_request(request)
    results: list[PolicyResult] = []
    for spec in specs:
        results.extend(_stack_policy_results(spec, stack, ctx, response, levels[spec.id]))
    return results


def _stack_policy_results(
    spec: StackPolicySpec, stack: Stack, ctx: Context, response: Response, level: Level
) -> list[PolicyResult]:
    def result(urn: str, status: Status, messages: tuple[str, ...]) -> PolicyResult:
        return PolicyResult(spec.id, urn, status, messages, level, spec.severity)

    if spec.id in response.not_applicable:
        return [result(stack.urn, Status.NOT_APPLICABLE, (response.not_applicable[spec.id],))]
    failures: dict[str, list[str]] = {}
    unknown: tuple[str, ...] = ()
    for diag in response.diagnostics:
        if diag.policy != spec.id:
            continue
        if diag.unknown:
            unknown += (diag.message,)
        else:
            failures.setdefault(diag.urn or stack.urn, []).append(diag.message)
    subjects = _subjects(spec, stack, ctx)
    rows: list[PolicyResult] = []
    for urn in dict.fromkeys([s.urn for s in subjects] + list(failures)):
        if urn in failures:
            rows.append(result(urn, Status.FAIL, tuple(failures[urn])))
        elif unknown:
            rows.append(result(urn, Status.UNKNOWN, unknown))
        else:
            rows.append(result(urn, Status.PASS, ()))
    return rows


def _subjects(spec: StackPolicySpec, stack: Stack, ctx: Context) -> Sequence[Resource]:
    """The resources the policy judged; all of its types when choosing them needed unknowns."""
    try:
        return spec.subjects(stack, ctx)
    except UnknownValueError:
        found = stack.of_type(*spec.types)
        if t.STACK in spec.types and not any(r.urn == stack.urn for r in found):
            found.append(Resource(urn=stack.urn, type=t.STACK, name="stack", props={}))
        return found
