"""The offline half of the pull-request preview: no credentials, safe for forks.

    python -m pcizone.gitops.offline_preview --stacks '["dev"]' --base <sha> --out DIR
        [--head-sha <sha>] [--pr-number N] [--pcizone PATH]

Runs what a developer runs locally and records every result in DIR/summary.json:
    pcizone validate
    per affected stack, main's plan first: the base commit's own code, exported with
        `git archive`, runs `pcizone preview --stack S --json` (never the pull request's code)
    pcizone preview --stack S --json DIR/plans/S.json --against DIR/base-plans/S.json
    pcizone compliance --stack S --out DIR/compliance/S
Exit 0 when validate, every preview and every compliance report pass; 1 otherwise. A base plan
that cannot be made (new stack, broken main) is noted and the preview runs without a diff.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pcizone.gitops.errors import EXIT_FAILED, EXIT_TOOL, GitOpsError, run_main
from pcizone.gitops.recorded import Recorded, run_recorded, tool_env

FORMAT = "pcizone-preview/1"
STACK_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")

# Runs the base tree's CLI: `python -c` so that nothing of the base needs installing.
_BASE_CLI = (
    "import sys; from pcizone.cli.main import main; sys.argv[0] = 'pcizone'; sys.exit(main())"
)
_WHERE_IS_PCIZONE = "import pcizone; print(pcizone.__file__)"


@dataclass(frozen=True)
class Check:
    id: str
    kind: str  # validate | base-plan | preview | compliance
    stack: str | None
    recorded: Recorded
    note: str = ""
    against_base: bool = False
    report_dir: str | None = None

    @property
    def counts(self) -> bool:
        """Base plans are information about main, not a verdict on the pull request."""
        return self.kind != "base-plan"


def parse_stacks(text: str) -> list[str]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise GitOpsError(f"--stacks must be a JSON list of stack names: {err}") from None
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise GitOpsError("--stacks must be a JSON list of stack names")
    for stack in value:
        if not STACK_NAME.match(stack):
            raise GitOpsError(f"--stacks: {stack!r} is not a stack name")
    return list(dict.fromkeys(value))


def export_tree(repo: Path, commit: str, into: Path) -> None:
    """The files of `commit`, written into `into` (no .git, nothing of the working tree)."""
    try:
        result = subprocess.run(
            ["git", "archive", "--format=tar", commit],
            cwd=repo,
            capture_output=True,
            check=False,
            timeout=300,
        )
    except FileNotFoundError:
        raise GitOpsError("git is not installed or not on PATH", EXIT_TOOL) from None
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip()
        raise GitOpsError(f"git archive {commit[:12]} failed: {detail}", EXIT_TOOL)
    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as archive:
        archive.extractall(into, filter="data")


def base_env(tree: Path) -> dict[str, str]:
    paths = [str(tree / "platform"), str(tree / "services" / "payments")]
    return tool_env({"PYTHONPATH": os.pathsep.join(paths)})


def base_code_isolated(tree: Path) -> bool:
    """True when `import pcizone` under base_env() loads the base tree, not the installed code."""
    result = subprocess.run(
        [sys.executable, "-c", _WHERE_IS_PCIZONE],
        cwd=tree,
        env=base_env(tree),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        return False
    return Path(result.stdout.strip()).resolve().is_relative_to(tree.resolve())


def make_base_plans(repo: Path, base: str, stacks: Sequence[str], out: Path) -> list[Check]:
    checks: list[Check] = []
    with tempfile.TemporaryDirectory(prefix="pcizone-base-") as tmp:
        tree = Path(tmp)
        export_tree(repo, base, tree)
        isolated = base_code_isolated(tree)
        for stack in stacks:
            log = out / "logs" / f"base-plan-{stack}.log"
            if not (tree / "stacks" / f"Pulumi.{stack}.yaml").is_file():
                checks.append(_skipped("base-plan", stack, log, "new stack: no base plan"))
                continue
            if not isolated:
                note = "the base commit's code could not be loaded on its own: no base plan"
                checks.append(_skipped("base-plan", stack, log, note))
                continue
            plan = out / "base-plans" / f"{stack}.json"
            plan.parent.mkdir(parents=True, exist_ok=True)
            argv = [
                sys.executable,
                "-c",
                _BASE_CLI,
                "preview",
                "--stack",
                stack,
                "--json",
                str(plan),
            ]
            recorded = run_recorded(argv, log, cwd=tree, env=base_env(tree))
            ok = recorded.ok and plan.is_file()
            note = "" if ok else "main's plan could not be made: the preview has no diff"
            checks.append(Check(f"base-plan-{stack}", "base-plan", stack, recorded, note))
    return checks


def _skipped(kind: str, stack: str, log: Path, note: str) -> Check:
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(note + "\n", encoding="utf-8")
    return Check(f"{kind}-{stack}", kind, stack, Recorded((), 0, 0.0, log), note)


def run_checks(
    *, repo: Path, pcizone: str, stacks: Sequence[str], base: str, out: Path
) -> list[Check]:
    out.mkdir(parents=True, exist_ok=True)
    env = tool_env()
    checks = [
        Check(
            "validate",
            "validate",
            None,
            run_recorded([pcizone, "validate"], out / "logs" / "validate.log", cwd=repo, env=env),
        )
    ]
    base_plans: dict[str, Path] = {}
    if base and stacks:
        for check in make_base_plans(repo, base, stacks, out):
            checks.append(check)
            plan = out / "base-plans" / f"{check.stack}.json"
            if check.recorded.ok and check.recorded.argv and plan.is_file():
                base_plans[str(check.stack)] = plan
    for stack in stacks:
        plan = out / "plans" / f"{stack}.json"
        plan.parent.mkdir(parents=True, exist_ok=True)
        argv = [pcizone, "preview", "--stack", stack, "--json", str(plan)]
        if stack in base_plans:
            argv += ["--against", str(base_plans[stack])]
        log = out / "logs" / f"preview-{stack}.log"
        recorded = run_recorded(argv, log, cwd=repo, env=env)
        checks.append(
            Check(f"preview-{stack}", "preview", stack, recorded, against_base=stack in base_plans)
        )

        report_dir = out / "compliance" / stack
        report_dir.mkdir(parents=True, exist_ok=True)
        argv = [pcizone, "compliance", "--stack", stack, "--out", str(report_dir)]
        log = out / "logs" / f"compliance-{stack}.log"
        recorded = run_recorded(argv, log, cwd=repo, env=env)
        rel = report_dir.relative_to(out).as_posix()
        checks.append(Check(f"compliance-{stack}", "compliance", stack, recorded, report_dir=rel))
    return checks


def summary(
    checks: Sequence[Check],
    *,
    out: Path,
    stacks: Sequence[str],
    base: str,
    head_sha: str,
    pr_number: int | None,
) -> dict[str, object]:
    def shown(argv: Sequence[str]) -> list[str]:
        # Machine paths mean nothing to a reader and stay out of the report.
        def one(word: str) -> str:
            if word == sys.executable:
                return "python"
            if word.startswith(str(out)):
                return "<out>" + word[len(str(out)) :]
            if os.path.isabs(word) and Path(word).name == "pcizone":
                return "pcizone"
            return word

        return [one(word) for word in argv]

    return {
        "format": FORMAT,
        "pr_number": pr_number,
        "head_sha": head_sha,
        "base_sha": base,
        "stacks": list(stacks),
        "checks": [
            {
                "id": c.id,
                "kind": c.kind,
                "stack": c.stack,
                "argv": shown(c.recorded.argv),
                "exit_code": c.recorded.exit_code,
                "seconds": round(c.recorded.seconds, 2),
                "log": c.recorded.log.relative_to(out).as_posix(),
                "note": c.note,
                "against_base": c.against_base,
                "report_dir": c.report_dir,
                "counts": c.counts,
            }
            for c in checks
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pcizone.gitops.offline_preview")
    parser.add_argument("--stacks", required=True, help="JSON list, from pcizone.gitops.affected")
    parser.add_argument("--base", default="", help="base commit whose plans the diff is against")
    parser.add_argument("--head-sha", default="", help="the pull request's head commit")
    parser.add_argument("--pr-number", type=int, help="the pull request's number")
    parser.add_argument("--out", type=Path, required=True, help="artifact folder to write")
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="repository root")
    parser.add_argument("--pcizone", help="the pcizone command (default: next to this Python)")
    args = parser.parse_args(argv)

    stacks = parse_stacks(args.stacks)
    for value, name in ((args.base, "--base"), (args.head_sha, "--head-sha")):
        if value and not _SHA.match(value):
            raise GitOpsError(f"{name} must be a full commit SHA, got {value!r}")
    if args.pr_number is not None and args.pr_number < 1:
        raise GitOpsError(f"--pr-number must be positive, got {args.pr_number}")
    pcizone = args.pcizone or _default_pcizone()
    out = args.out.resolve()

    checks = run_checks(repo=args.repo, pcizone=pcizone, stacks=stacks, base=args.base, out=out)
    data = summary(
        checks,
        out=out,
        stacks=stacks,
        base=args.base,
        head_sha=args.head_sha,
        pr_number=args.pr_number,
    )
    (out / "summary.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    failed = [c.id for c in checks if c.counts and not c.recorded.ok]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return EXIT_FAILED
    print(f"all {sum(c.counts for c in checks)} checks passed")
    return 0


def _default_pcizone() -> str:
    beside = Path(sys.executable).parent / "pcizone"
    if beside.is_file():
        return str(beside)
    found = shutil.which("pcizone")
    if not found:
        raise GitOpsError("the pcizone command is not installed: run `make setup`", EXIT_TOOL)
    return found


if __name__ == "__main__":
    sys.exit(run_main(main))
