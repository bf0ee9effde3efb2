"""The engine's analyzer path gives the same results as calling the rules directly.

The direct path builds rule views from the recorded *inputs* (decoded by pcizone.offline)
and calls each check; the analyzer path sends the recorded *wire* properties through
pulumi-policy's servicer (Configure, Analyze, AnalyzeStack) and reads its diagnostics. Same
statuses and messages for every (policy, resource) over the whole corpus means the offline
verdict is the rules' verdict, with the engine's handling of unknowns and not-applicable.
"""

from __future__ import annotations

from typing import Any

from pcizone.offline.model import UNKNOWN, Archive, RecordedRun, ResourceRef, Secret
from pcizone.policy.crossguard import stack_urn
from pcizone.policy.registry import all_policies
from pcizone.policy.spec import NotApplicable, ResourcePolicySpec, StackPolicySpec
from pcizone.policy.views import Context, Resource, Stack
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

Results = dict[tuple[str, str], tuple[str, tuple[str, ...]]]


def _plain(value: Any) -> Any:
    """Recorded inputs as a policy sees them: secrets revealed, unknowns as the sentinel."""
    if value is UNKNOWN:
        return UNKNOWN_STRING_VALUE
    if isinstance(value, Secret):
        return _plain(value.value)
    if isinstance(value, ResourceRef):
        return value.id or value.urn
    if isinstance(value, Archive):
        return {"path": value.path}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _views(run: RecordedRun) -> Stack:
    by_urn = run.by_urn()

    def provider_props(urn: str | None) -> Any:
        provider = by_urn.get(urn) if urn else None
        return unknown_checking_proxy(_plain(provider.inputs)) if provider else {}

    views = tuple(
        Resource(
            urn=r.urn,
            type=r.type,
            name=r.name,
            props=unknown_checking_proxy(_plain(r.inputs)),
            provider_props=provider_props(r.provider),
            parent=r.parent,
            dependencies=r.dependencies,
            property_dependencies=dict(r.property_dependencies),
        )
        for r in run.resources
    )
    return Stack(urn=stack_urn([v.urn for v in views], views), resources=views)


def direct_results(run: RecordedRun) -> Results:
    """Every rule called directly, with the engine's rules for unknown and not-applicable."""
    ctx = Context(stage=run.stage, stack_kind=run.kind)
    stack = _views(run)
    out: Results = {}
    for spec in all_policies():
        if isinstance(spec, ResourcePolicySpec):
            for view in stack.resources:
                if view.type not in spec.types:
                    continue
                messages: list[str] = []
                try:
                    spec.check_kind(ctx)
                    messages.extend(spec.check(view, ctx))
                    status = "fail" if messages else "pass"
                except NotApplicable as exc:
                    status, messages = "not-applicable", [exc.reason]
                except UnknownValueError as exc:
                    status = "fail" if messages else "unknown"
                    messages = messages or [exc.message]
                out[(spec.id, view.urn)] = (status, tuple(messages))
        elif isinstance(spec, StackPolicySpec):
            try:
                spec.check_kind(ctx)
            except NotApplicable as exc:
                out[(spec.id, stack.urn)] = ("not-applicable", (exc.reason,))
                continue
            found: dict[str, list[str]] = {}
            unknown: str | None = None
            subjects = spec.subjects(stack, ctx)
            try:
                for subject in subjects:
                    found[subject.urn] = list(spec.check(subject, stack, ctx))
            except UnknownValueError as exc:
                unknown = exc.message
            for subject in subjects:
                messages = found.get(subject.urn, [])
                if messages:
                    out[(spec.id, subject.urn)] = ("fail", tuple(messages))
                elif unknown is not None:
                    out[(spec.id, subject.urn)] = ("unknown", (unknown,))
                else:
                    out[(spec.id, subject.urn)] = ("pass", ())
    return out


def analyzer_results(verdict: Any) -> Results:
    return {(r.policy, r.urn): (r.status.value, r.messages) for r in verdict.results}


def test_analyzer_path_equals_direct_calls_over_the_corpus(corpus):  # type: ignore[no-untyped-def]
    compared = 0
    statuses: set[str] = set()
    for case in [*corpus.cases, *corpus.controls]:
        run = corpus.run(case)
        direct = direct_results(run)
        through_engine = analyzer_results(corpus.verdict(case))
        assert through_engine == direct, case.name
        compared += len(direct)
        statuses |= {status for status, _ in direct.values()}
    # Every status was exercised, over thousands of (policy, resource) pairs.
    assert statuses == {"pass", "fail", "unknown", "not-applicable"}
    assert compared > 3000
