"""Fixtures for the policy tests: the misconfiguration corpus and hand-built recorded runs.

Corpus programs run once per session (each costs ~0.1 s offline) and are shared by the corpus,
equivalence and report tests.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from google.protobuf import struct_pb2
from pcizone.config.stack_names import parse_stack_name
from pcizone.offline.model import UNKNOWN, RecordedResource, RecordedRun, Secret
from pcizone.offline.runner import run_program
from pcizone.policy.evaluate import evaluate_run
from pcizone.policy.verdict import PolicyVerdict
from pulumi.runtime import rpc

CASES_DIR = Path(__file__).parent / "cases"
PROJECT = "pcizone"


@dataclass(frozen=True)
class PatchedCase:
    """A real stack with some of its config values replaced."""

    name: str
    stack: str
    patch: Mapping[str, Any]
    fail: frozenset[str]
    why: str

    def overrides(self, repo_root: Path) -> dict[str, Any]:
        """Whole top-level config values (the runner replaces keys), each with the patch applied."""
        path = repo_root / "stacks" / f"Pulumi.{self.stack}.yaml"
        config = yaml.safe_load(path.read_text(encoding="utf-8"))["config"]
        out: dict[str, Any] = {}
        for dotted, value in self.patch.items():
            key, *steps = dotted.split(".")
            target = out.setdefault(key, copy.deepcopy(config[key]))
            for step in steps[:-1]:
                target = target[step]
            target[steps[-1]] = value
        return out


@dataclass(frozen=True)
class Case:
    name: str
    program: str
    stack: str
    breaks: tuple[str, ...]
    fail: frozenset[str]
    unknown: frozenset[str]
    why: str

    @property
    def path(self) -> Path:
        return CASES_DIR / self.program


def _load() -> tuple[list[Case], list[Case], list[PatchedCase]]:
    data = yaml.safe_load((CASES_DIR / "cases.yaml").read_text(encoding="utf-8"))

    def case(entry: Mapping[str, Any]) -> Case:
        return Case(
            name=entry["name"],
            program=entry["program"],
            stack=entry["stack"],
            breaks=tuple(entry.get("break", [])),
            fail=frozenset(entry.get("fail", [])),
            unknown=frozenset(entry.get("unknown", [])),
            why=entry.get("why", ""),
        )

    patched = [
        PatchedCase(e["name"], e["stack"], e["patch"], frozenset(e["fail"]), e.get("why", ""))
        for e in data.get("patched", [])
    ]
    return [case(e) for e in data["cases"]], [case(e) for e in data["controls"]], patched


CASES, CONTROLS, PATCHED = _load()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "corpus_case" in metafunc.fixturenames:
        metafunc.parametrize("corpus_case", CASES, ids=[c.name for c in CASES])
    if "control_case" in metafunc.fixturenames:
        metafunc.parametrize("control_case", CONTROLS, ids=[c.name for c in CONTROLS])
    if "patched_case" in metafunc.fixturenames:
        metafunc.parametrize("patched_case", PATCHED, ids=[c.name for c in PATCHED])


class Corpus:
    """Runs corpus programs offline, once each, and evaluates them."""

    cases = CASES
    controls = CONTROLS

    def __init__(self) -> None:
        self._runs: dict[tuple[str, str, tuple[str, ...]], RecordedRun] = {}
        self._verdicts: dict[tuple[str, str, tuple[str, ...]], PolicyVerdict] = {}

    def run(self, case: Case) -> RecordedRun:
        key = (case.program, case.stack, case.breaks)
        if key not in self._runs:
            identity = parse_stack_name(case.stack)
            self._runs[key] = run_program(
                case.path,
                stack=case.stack,
                config={"case:break": json.dumps(list(case.breaks))},
                kind=identity.kind.value,
                stage=identity.stage,
            )
        return self._runs[key]

    def verdict(self, case: Case) -> PolicyVerdict:
        key = (case.program, case.stack, case.breaks)
        if key not in self._verdicts:
            self._verdicts[key] = evaluate_run(self.run(case))
        return self._verdicts[key]


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return Corpus()


# -- hand-built runs, for rules that need shapes a program cannot easily declare -----------------


def _wire_value(value: Any) -> Any:
    if value is UNKNOWN:
        return rpc.UNKNOWN
    if isinstance(value, Secret):
        return {rpc._special_sig_key: rpc._special_secret_sig, "value": _wire_value(value.value)}
    if isinstance(value, dict):
        return {k: _wire_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wire_value(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


@dataclass
class Spec:
    """One resource of a hand-built run: `deps` maps a property to the names it depends on."""

    type: str
    name: str
    inputs: dict[str, Any]
    deps: dict[str, list[str]] | None = None
    provider: str | None = None


def build_run(stack: str, specs: list[Spec]) -> RecordedRun:
    identity = parse_stack_name(stack)

    def urn(type_: str, name: str) -> str:
        return f"urn:pulumi:{stack}::{PROJECT}::{type_}::{name}"

    urns = {s.name: urn(s.type, s.name) for s in specs}
    resources = []
    for s in specs:
        wire = struct_pb2.Struct()
        wire.update({k: _wire_value(v) for k, v in s.inputs.items()})
        prop_deps = {
            k: tuple(sorted(urns[n] for n in names)) for k, names in (s.deps or {}).items()
        }
        resources.append(
            RecordedResource(
                urn=urns[s.name],
                type=s.type,
                name=s.name,
                parent=None,
                provider=urns[s.provider] if s.provider else None,
                custom=True,
                dependencies=tuple(sorted({u for d in prop_deps.values() for u in d})),
                property_dependencies=prop_deps,
                inputs=dict(s.inputs),
                wire=wire,
            )
        )
    return RecordedRun(
        stack=stack,
        kind=identity.kind.value,
        stage=identity.stage,
        project=PROJECT,
        resources=sorted(resources, key=lambda r: r.urn),
        outputs={},
    )


@pytest.fixture
def make_run() -> Callable[[str, list[Spec]], RecordedRun]:
    return build_run


@pytest.fixture
def spec() -> type[Spec]:
    return Spec


@pytest.fixture
def statuses() -> Callable[[PolicyVerdict, str], dict[str, str]]:
    """resource name -> status of one policy in a verdict."""

    def by_name(verdict: PolicyVerdict, policy: str) -> dict[str, str]:
        return {r.resource_name: r.status.value for r in verdict.for_policy(policy)}

    return by_name


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]
