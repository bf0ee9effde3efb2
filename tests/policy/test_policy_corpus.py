"""The misconfiguration corpus: each case fails exactly its policies; controls pass."""

from __future__ import annotations

from pcizone.offline.runner import run_stack
from pcizone.policy.evaluate import evaluate_run
from pcizone.policy.registry import all_policies
from pcizone.policy.verdict import Status

MIN_CASES = 40


def _ids(verdict, status):  # type: ignore[no-untyped-def]
    return {r.policy for r in verdict.results if r.status is status}


def test_case_fails_exactly_its_policies(corpus, corpus_case):  # type: ignore[no-untyped-def]
    verdict = corpus.verdict(corpus_case)
    failed = _ids(verdict, Status.FAIL)
    unknown = _ids(verdict, Status.UNKNOWN)
    assert failed == corpus_case.fail, [
        r.message for r in verdict.results if r.status is Status.FAIL
    ]
    assert unknown == corpus_case.unknown
    for result in verdict.results:
        if result.status is Status.FAIL:
            assert result.message, f"{result.policy} failed without saying why"


def test_control_passes(corpus, control_case):  # type: ignore[no-untyped-def]
    verdict = corpus.verdict(control_case)
    problems = [
        f"{r.policy} {r.resource_name}: {r.status.value} {r.message}"
        for r in verdict.results
        if r.status in (Status.FAIL, Status.UNKNOWN)
    ]
    assert problems == []
    # Not vacuous: the control's resources were judged by many policies.
    assert len(_ids(verdict, Status.PASS)) >= 5


def test_corpus_is_large_enough_and_names_every_policy(corpus):  # type: ignore[no-untyped-def]
    assert len(corpus.cases) >= MIN_CASES
    declared = set().union(*(c.fail | c.unknown for c in corpus.cases))
    assert declared <= {p.id for p in all_policies()}


def test_every_policy_is_triggered_by_some_case(corpus):  # type: ignore[no-untyped-def]
    triggered: set[str] = set()
    for case in corpus.cases:
        triggered |= _ids(corpus.verdict(case), Status.FAIL)
    missing = sorted({p.id for p in all_policies()} - triggered)
    assert missing == []


def test_every_break_is_declared_by_its_program(corpus):  # type: ignore[no-untyped-def]
    # A misspelt break would silently leave a control or case unbroken.
    for case in [*corpus.cases, *corpus.controls]:
        source = case.path.read_text(encoding="utf-8")
        for name in case.breaks:
            assert f'"{name}"' in source, (case.name, name)


def test_case_names_are_unique(corpus):  # type: ignore[no-untyped-def]
    names = [c.name for c in [*corpus.cases, *corpus.controls]]
    assert len(names) == len(set(names))


def test_patched_stack_config_fails_exactly_its_policies(patched_case, repo_root):  # type: ignore[no-untyped-def]
    run = run_stack(
        patched_case.stack, repo_root=repo_root, config_overrides=patched_case.overrides(repo_root)
    )
    failed = {r.policy for r in evaluate_run(run).results if r.status is Status.FAIL}
    assert failed == patched_case.fail
