"""The hardening rules every GitHub Actions workflow must keep, read with PyYAML.

Each rule is a function returning the problems it finds, so that the same rules run on the
real workflows (no problems allowed) and on mutated copies (the rule must notice).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pcizone.gitops.drill import SCENARIOS

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
FILES = sorted(p.name for p in WORKFLOWS.glob("*.yml"))
EXPECTED = {
    "ci.yml",
    "deploy.yml",
    "dr-drill.yml",
    "drift.yml",
    "preview-comment.yml",
    "preview.yml",
    "review-stack.yml",
}

AWS_ACTION = "aws-actions/configure-aws-credentials"
CHECKOUT = "actions/checkout"
PULUMI_ACTION = "pulumi/actions"
POLICY_PACK = "platform/policypack"
_USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")
_PINNED = re.compile(r"^(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40})$")
_VERSION_COMMENT = re.compile(r"^\s+# (?P<version>v\d+\.\d+\.\d+)\s*$")
# The only scopes a job may hold, and the only jobs that may write (least privilege).
ALLOWED = {"contents": {"read"}, "actions": {"read"}, "id-token": {"write"}}
WRITERS = {
    ("preview-comment.yml", "comment"): {"pull-requests": "write", "actions": "read"},
    ("drift.yml", "report"): {"issues": "write"},
    ("dr-drill.yml", "report"): {"issues": "write"},
}
# The account each deploy role lives in is the environment its trust policy names.
ROLE_ENVIRONMENT = re.compile(
    r"vars\.AWS_(?P<account>[A-Z]+)_(?P<kind>DEPLOY|REVIEW|PREVIEW)_ROLE_ARN"
)

Workflow = dict[str, Any]


def parse(text: str) -> Workflow:
    data = yaml.safe_load(text)
    # YAML 1.1 reads the key `on` as the boolean True.
    if True in data:
        data["on"] = data.pop(True)
    return dict(data)


def load(name: str) -> tuple[Workflow, str]:
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    return parse(text), text


def triggers(wf: Workflow) -> set[str]:
    on = wf.get("on")
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return set(on)
    return set(on or {})


def jobs(wf: Workflow) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from (wf.get("jobs") or {}).items()


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps") or [])


def uses(step: dict[str, Any]) -> str:
    return str(step.get("uses", "")).split("@")[0]


def has_step(job: dict[str, Any], action: str) -> bool:
    return any(uses(s) == action for s in steps(job))


# Rules -------------------------------------------------------------------------------------


def top_level_permissions(name: str, wf: Workflow, text: str) -> list[str]:
    return [] if wf.get("permissions") == {} else [f"{name}: top-level permissions must be {{}}"]


def least_privilege(name: str, wf: Workflow, text: str) -> list[str]:
    problems = []
    for job_id, job in jobs(wf):
        granted = job.get("permissions")
        if not isinstance(granted, dict):
            problems.append(f"{name}:{job_id}: needs an explicit permissions mapping")
            continue
        extra = WRITERS.get((name, job_id), {})
        for scope, level in granted.items():
            if extra.get(scope) == level or level in ALLOWED.get(scope, set()):
                continue
            problems.append(f"{name}:{job_id}: {scope}: {level} is more than it needs")
    return problems


def pinned_actions(name: str, wf: Workflow, text: str) -> list[str]:
    problems = []
    lines = [m for m in map(_USES_LINE.match, text.splitlines()) if m]
    parsed = [s["uses"] for _, job in jobs(wf) for s in steps(job) if "uses" in s]
    if len(lines) != len(parsed):
        problems.append(
            f"{name}: every uses: must be on its own line ({len(lines)} != {len(parsed)})"
        )
    for match in lines:
        ref = match["ref"]
        if ref.startswith("./"):
            continue
        if not _PINNED.match(ref):
            problems.append(f"{name}: {ref}: not pinned to a full commit SHA")
        if not _VERSION_COMMENT.match(match["rest"]):
            problems.append(f"{name}: {ref}: needs a `# vX.Y.Z` comment naming its release")
    return problems


def oidc_only_for_aws(name: str, wf: Workflow, text: str) -> list[str]:
    problems = []
    for job_id, job in jobs(wf):
        oidc = (job.get("permissions") or {}).get("id-token") == "write"
        aws = has_step(job, AWS_ACTION)
        if oidc and not aws:
            problems.append(f"{name}:{job_id}: id-token: write without assuming an AWS role")
        if aws and not oidc:
            problems.append(f"{name}:{job_id}: assumes an AWS role without id-token: write")
        for step in steps(job):
            if uses(step) != AWS_ACTION:
                continue
            inputs = step.get("with") or {}
            if set(inputs) & {"aws-access-key-id", "aws-secret-access-key"}:
                problems.append(f"{name}:{job_id}: long-lived AWS keys; use OIDC")
            if not ROLE_ENVIRONMENT.search(str(inputs.get("role-to-assume", ""))):
                problems.append(
                    f"{name}:{job_id}: role-to-assume must come from vars.AWS_*_ROLE_ARN"
                )
    return problems


def deploy_roles_need_their_environment(name: str, wf: Workflow, text: str) -> list[str]:
    """A deploy role trusts one GitHub environment; the job must run in it (prod: approval)."""
    problems = []
    for job_id, job in jobs(wf):
        for step in steps(job):
            role = str((step.get("with") or {}).get("role-to-assume", ""))
            for match in ROLE_ENVIRONMENT.finditer(role):
                kind, account = match["kind"], match["account"].lower()
                wanted = {"DEPLOY": account, "REVIEW": "review"}.get(kind)
                if wanted and job.get("environment") != wanted:
                    problems.append(f"{name}:{job_id}: {match[0]} needs environment: {wanted}")
                if kind == "PREVIEW" and job.get("environment"):
                    problems.append(f"{name}:{job_id}: the read-only role runs without environment")
    return problems


def timeouts(name: str, wf: Workflow, text: str) -> list[str]:
    problems = []
    for job_id, job in jobs(wf):
        minutes = job.get("timeout-minutes")
        if not isinstance(minutes, int) or not 1 <= minutes <= 180:
            problems.append(f"{name}:{job_id}: timeout-minutes must be 1-180, got {minutes!r}")
    return problems


def concurrency(name: str, wf: Workflow, text: str) -> list[str]:
    problems = []
    top = wf.get("concurrency")
    for job_id, job in jobs(wf):
        own = job.get("concurrency")
        effective = own if own is not None else top
        if not isinstance(effective, dict) or "group" not in effective:
            problems.append(f"{name}:{job_id}: no concurrency group (workflow or job)")
            continue
        if "cancel-in-progress" not in effective:
            problems.append(f"{name}:{job_id}: concurrency must say whether it cancels")
        if job.get("environment") and effective.get("cancel-in-progress") is not False:
            problems.append(f"{name}:{job_id}: a job changing a stack must never be cancelled")
    return problems


def no_pull_request_target(name: str, wf: Workflow, text: str) -> list[str]:
    bad = "pull_request_target" in triggers(wf) or "pull_request_target" in text
    return [f"{name}: pull_request_target is forbidden"] if bad else []


def checkouts_keep_no_credentials(name: str, wf: Workflow, text: str) -> list[str]:
    return [
        f"{name}:{job_id}: checkout must set persist-credentials: false"
        for job_id, job in jobs(wf)
        for step in steps(job)
        if uses(step) == CHECKOUT
        and (step.get("with") or {}).get("persist-credentials") is not False
    ]


def no_secrets_and_no_expressions_in_scripts(name: str, wf: Workflow, text: str) -> list[str]:
    problems = []
    if re.search(r"\bsecrets\.", text):
        problems.append(f"{name}: uses a stored secret; use OIDC roles and github.token")
    for job_id, job in jobs(wf):
        for step in steps(job):
            if "${{" in str(step.get("run", "")):
                problems.append(f"{name}:{job_id}: ${{{{ }}}} inside run:; pass it through env")
    return problems


def workflow_run_is_trusted_code_only(name: str, wf: Workflow, text: str) -> list[str]:
    """Jobs holding the write token after a pull-request run: data in, nothing of the PR run."""
    if "workflow_run" not in triggers(wf):
        return []
    problems = []
    allowed_actions = {CHECKOUT, "actions/setup-python", "actions/download-artifact"}
    for job_id, job in jobs(wf):
        for step in steps(job):
            action = uses(step)
            if action and action not in allowed_actions:
                problems.append(f"{name}:{job_id}: {action} is not allowed here")
            if action == CHECKOUT and set(step.get("with") or {}) - {"persist-credentials"}:
                problems.append(f"{name}:{job_id}: checkout must take the default branch as is")
            run = str(step.get("run", ""))
            if run and not run.startswith("python -m pcizone.gitops.publish "):
                problems.append(f"{name}:{job_id}: runs something other than the publisher")
            if run and (step.get("env") or {}).get("PYTHONPATH") != "platform":
                problems.append(
                    f"{name}:{job_id}: the publisher runs from the checkout, uninstalled"
                )
    return problems


def pulumi_runs_the_policy_pack(name: str, wf: Workflow, text: str) -> list[str]:
    return [
        f"{name}:{job_id}: pulumi {step['with']['command']} without the policy pack"
        for job_id, job in jobs(wf)
        for step in steps(job)
        if uses(step) == PULUMI_ACTION
        and (step.get("with") or {}).get("command") in ("up", "preview", "update")
        and step["with"].get("policyPacks") != POLICY_PACK
    ]


RULES: list[Callable[[str, Workflow, str], list[str]]] = [
    top_level_permissions,
    least_privilege,
    pinned_actions,
    oidc_only_for_aws,
    deploy_roles_need_their_environment,
    timeouts,
    concurrency,
    no_pull_request_target,
    checkouts_keep_no_credentials,
    no_secrets_and_no_expressions_in_scripts,
    workflow_run_is_trusted_code_only,
    pulumi_runs_the_policy_pack,
]


def problems_of(name: str, text: str) -> list[str]:
    wf = parse(text)
    return [problem for rule in RULES for problem in rule(name, wf, text)]


# The real workflows ------------------------------------------------------------------------


def test_the_expected_workflows_exist() -> None:
    assert set(FILES) == EXPECTED


@pytest.mark.parametrize("name", FILES)
def test_workflow_keeps_every_hardening_rule(name: str) -> None:
    wf, text = load(name)
    assert wf["name"] and wf["jobs"]
    assert problems_of(name, text) == []


def test_each_action_has_one_pinned_release_across_all_workflows() -> None:
    pins: dict[str, set[tuple[str, str]]] = {}
    for name in FILES:
        for line in (WORKFLOWS / name).read_text().splitlines():
            if (match := _USES_LINE.match(line)) and (pin := _PINNED.match(match["ref"])):
                version = _VERSION_COMMENT.match(match["rest"])
                pins.setdefault(pin["action"], set()).add(
                    (pin["sha"], version["version"] if version else "")
                )
    assert {action: len(found) for action, found in pins.items()} == dict.fromkeys(pins, 1)
    assert set(pins) == {
        CHECKOUT,
        "actions/setup-python",
        "actions/upload-artifact",
        "actions/download-artifact",
        AWS_ACTION,
        PULUMI_ACTION,
    }


def test_the_preview_is_safe_for_forks() -> None:
    wf, _ = load("preview.yml")
    assert triggers(wf) == {"pull_request"}
    all_jobs = dict(jobs(wf))
    assert all_jobs["offline"]["permissions"] == {"contents": "read"}
    assert all_jobs["affected"]["permissions"] == {"contents": "read"}
    assert (
        "github.event.pull_request.head.repo.full_name == github.repository"
        in all_jobs["cloud"]["if"]
    )
    for job_id, job in all_jobs.items():
        writes = {scope for scope, level in job["permissions"].items() if level == "write"}
        assert writes == ({"id-token"} if job_id == "cloud" else set()), job_id
    (upload,) = [s for s in steps(all_jobs["offline"]) if uses(s) == "actions/upload-artifact"]
    assert (upload["if"], upload["with"]["name"]) == ("always()", "pcizone-preview")


def test_the_comment_job_reads_the_preview_runs_artifact_only() -> None:
    wf, _ = load("preview-comment.yml")
    assert wf["on"] == {"workflow_run": {"workflows": ["Preview"], "types": ["completed"]}}
    (job,) = [j for _, j in jobs(wf)]
    (download,) = [s for s in steps(job) if uses(s) == "actions/download-artifact"]
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    assert download["with"]["name"] == "pcizone-preview"
    assert "--head-sha" in job["steps"][-1]["run"]
    assert job["steps"][-1]["env"]["HEAD_SHA"] == "${{ github.event.workflow_run.head_sha }}"


def test_deploys_run_dev_then_staging_then_prod_with_approval_for_prod_and_org() -> None:
    wf, _ = load("deploy.yml")
    all_jobs = dict(jobs(wf))
    assert triggers(wf) == {"push", "workflow_dispatch"}
    assert wf["on"]["push"] == {"branches": ["main"]}
    assert {j: all_jobs[j]["needs"] for j in ("org", "dev", "staging", "prod")} == {
        "org": ["plan"],
        "dev": ["plan", "org"],
        "staging": ["plan", "dev"],
        "prod": ["plan", "staging"],
    }
    for stack in ("org", "dev", "staging", "prod"):
        job = all_jobs[stack]
        assert job["environment"] == stack  # prod and org: required reviewers (docs/gitops.md)
        assert job["concurrency"] == {
            "group": f"pcizone-stack-{stack}",
            "cancel-in-progress": False,
        }
        (up,) = [s for s in steps(job) if uses(s) == PULUMI_ACTION]
        assert (up["with"]["command"], up["with"]["stack-name"]) == ("up", stack)
        assert up["with"]["suppress-outputs"] is True
        assert f"fromJSON(needs.plan.outputs.deploy).{stack}" in job["if"]


def test_prod_drills_wait_for_approval_and_staging_is_the_default() -> None:
    wf, _ = load("dr-drill.yml")
    all_jobs = dict(jobs(wf))
    (cron,) = [entry["cron"] for entry in wf["on"]["schedule"]]
    _minute, _hour, day, month, weekday = cron.split()
    assert (day.isdigit(), month, weekday) == (True, "*", "*")  # once a month
    inputs = wf["on"]["workflow_dispatch"]["inputs"]
    assert (inputs["stack"]["options"], inputs["stack"]["default"]) == (
        ["staging", "prod"],
        "staging",
    )
    assert set(inputs["scenario"]["options"]) == set(SCENARIOS)
    assert all_jobs["prod"]["environment"] == "prod"
    assert "inputs.stack == 'prod'" in all_jobs["prod"]["if"]
    assert "github.event_name == 'workflow_dispatch'" in all_jobs["prod"]["if"]
    assert "--i-understand-prod" in all_jobs["prod"]["steps"][-2]["run"]
    assert "github.event_name == 'schedule'" in all_jobs["staging"]["if"]
    assert "--i-understand-prod" not in str(all_jobs["staging"])


def test_drift_checks_every_stage_stack_with_read_only_roles() -> None:
    wf, _ = load("drift.yml")
    refresh = dict(jobs(wf))["refresh"]
    assert [e["stack"] for e in refresh["strategy"]["matrix"]["include"]] == [
        "org",
        "dev",
        "staging",
        "prod",
    ]
    (aws,) = [s for s in steps(refresh) if uses(s) == AWS_ACTION]
    roles = set(ROLE_ENVIRONMENT.findall(aws["with"]["role-to-assume"]))
    assert {kind for _, kind in roles} == {"PREVIEW"}
    assert "pcizone.gitops.drift check" in steps(refresh)[-2]["run"]
    assert "schedule" in triggers(wf)


def test_review_stacks_are_same_repository_only_and_destroyed_on_close() -> None:
    wf, _ = load("review-stack.yml")
    all_jobs = dict(jobs(wf))
    assert set(wf["on"]["pull_request"]["types"]) >= {"opened", "labeled", "closed", "unlabeled"}
    for job_id in ("up", "down"):
        assert (
            "github.event.pull_request.head.repo.full_name == github.repository"
            in all_jobs[job_id]["if"]
        )
    assert "github.event.pull_request.state == 'open'" in all_jobs["up"]["if"]
    assert "github.event.action == 'closed'" in all_jobs["down"]["if"]
    assert "--execute" in all_jobs["sweep"]["steps"][-1]["run"]


def test_make_targets_and_helpers_the_workflows_call_exist() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([A-Za-z][\w-]*)\s*:", makefile, re.M))
    scripts = [str(s.get("run", "")) for n in FILES for _, j in jobs(load(n)[0]) for s in steps(j)]
    called = {t for script in scripts for t in re.findall(r"\bmake (\w[\w-]*)", script)}
    assert called - targets == set()
    modules = {
        m for script in scripts for m in re.findall(r"python -m (pcizone\.gitops\.\w+)", script)
    }
    assert modules and all(importlib.util.find_spec(m) for m in modules)


def test_the_only_silenced_audit_is_the_reviewed_workflow_run_trigger() -> None:
    ignores = [
        (name, audit)
        for name in FILES
        for audit in re.findall(r"# zizmor: ignore\[([\w,-]+)\]", (WORKFLOWS / name).read_text())
    ]
    assert ignores == [("preview-comment.yml", "dangerous-triggers")]


# The rules notice regressions --------------------------------------------------------------


def mutated(name: str, old: str, new: str) -> list[str]:
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    assert old in text, f"the mutation target {old!r} is gone from {name}"
    return problems_of(name, text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("name", "old", "new", "problem"),
    [
        ("ci.yml", "permissions: {}", "permissions: write-all", "top-level permissions must be {}"),
        (
            "ci.yml",
            "      contents: read",
            "      contents: write",
            "ci.yml:lint: contents: write is more than it needs",
        ),
        (
            "preview.yml",
            "actions/checkout@34e114876b0b11c390a56381ad16ebd13914f8d5 # v4.3.1",
            "actions/checkout@v4",
            "actions/checkout@v4: not pinned to a full commit SHA",
        ),
        (
            "preview.yml",
            "a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0",
            "a26af69be951a213d495a4c3e4e4022e16d87065",
            "needs a `# vX.Y.Z` comment",
        ),
        (
            "preview.yml",
            "    permissions:\n      contents: read\n    outputs:",
            "    permissions:\n      contents: read\n      id-token: write\n    outputs:",
            "preview.yml:affected: id-token: write without assuming an AWS role",
        ),
        (
            "deploy.yml",
            "    environment: prod",
            "    environment: staging",
            "needs environment: prod",
        ),
        (
            "dr-drill.yml",
            "    environment: prod",
            "    environment: staging",
            "needs environment: prod",
        ),
        ("deploy.yml", "    timeout-minutes: 120\n", "", "timeout-minutes must be 1-180, got None"),
        (
            "deploy.yml",
            "      group: pcizone-stack-prod\n      cancel-in-progress: false",
            "      group: pcizone-stack-prod\n      cancel-in-progress: true",
            "deploy.yml:prod: a job changing a stack must never be cancelled",
        ),
        (
            "drift.yml",
            "concurrency:\n  group: drift\n  cancel-in-progress: false\n",
            "",
            "no concurrency group",
        ),
        (
            "ci.yml",
            "  pull_request:\n",
            "  pull_request_target:\n",
            "pull_request_target is forbidden",
        ),
        (
            "ci.yml",
            "          persist-credentials: false",
            "          persist-credentials: true",
            "checkout must set persist-credentials: false",
        ),
        (
            "ci.yml",
            "      - run: make test",
            "      - run: make test ${{ secrets.X }}",
            "uses a stored secret",
        ),
        (
            "review-stack.yml",
            'run: python -m pcizone.gitops.review_stack destroy --number "$PR_NUMBER"',
            "run: python -m pcizone.gitops.review_stack destroy --number ${{ github.event.number }}",
            "inside run:; pass it through env",
        ),
        (
            "preview-comment.yml",
            "        with:\n          persist-credentials: false",
            "        with:\n          ref: ${{ github.event.workflow_run.head_sha }}\n          persist-credentials: false",
            "checkout must take the default branch as is",
        ),
        (
            "preview-comment.yml",
            "      - env:\n          PYTHONPATH: platform",
            "      - run: make setup\n      - env:\n          PYTHONPATH: platform",
            "runs something other than the publisher",
        ),
        (
            "deploy.yml",
            "          policyPacks: platform/policypack\n"
            "          policyPackConfigs: platform/policypack/config/org.json\n",
            "",
            "pulumi up without the policy pack",
        ),
    ],
)
def test_each_rule_catches_its_regression(name: str, old: str, new: str, problem: str) -> None:
    found = mutated(name, old, new)
    assert any(problem in p for p in found), found
