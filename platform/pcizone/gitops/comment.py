"""Renders the pull-request comment from the offline preview's artifact folder.

    python -m pcizone.gitops.comment --artifacts DIR [--jobs JOBS.json] [--run-url URL]
        [--head-sha SHA] [--out FILE]

The artifact was written by a job that ran pull-request code, possibly from a fork: it is
untrusted data. Everything shown from it is either a validated value (stack names, numbers,
known check kinds) or text inside a code fence longer than any backtick run in it, after
masking card numbers and credentials. The body stays under GitHub's 65,536-character limit:
sections that do not fit are left out with a pointer to the run's artifacts.
Standard library only (runs in the job that holds the write token).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pcizone.gitops.errors import GitOpsError, run_main
from pcizone.gitops.redact import redact

MARKER = "<!-- pcizone-preview -->"
GITHUB_LIMIT = 65_536  # characters in an issue or pull-request comment body
BUDGET = 60_000  # headroom for the footer and for characters GitHub counts twice
SECTION_LIMIT = 12_000
READ_LIMIT = 512 * 1024  # bytes read from any one artifact file
FORMAT = "pcizone-preview/1"

_STACK = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_RUN_URL = re.compile(
    r"^https://[A-Za-z0-9.-]+/[\w.-]+/[\w.-]+/actions/runs/\d+(?:/attempts/\d+)?$", re.ASCII
)
_KINDS = ("validate", "base-plan", "preview", "compliance")
_COMMANDS = {
    "validate": "pcizone validate",
    "base-plan": "pcizone preview (main)",
    "preview": "pcizone preview",
    "compliance": "pcizone compliance",
}


@dataclass(frozen=True)
class CheckRow:
    kind: str
    stack: str | None
    exit_code: int
    seconds: float
    log: Path | None
    note: str
    against_base: bool
    report_dir: Path | None
    counts: bool

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


@dataclass(frozen=True)
class Summary:
    pr_number: int
    stacks: tuple[str, ...]
    checks: tuple[CheckRow, ...]


@dataclass(frozen=True)
class CloudJob:
    name: str
    conclusion: str
    url: str


def utf16_len(text: str) -> int:
    """Length as GitHub counts it (UTF-16 code units, so an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def _inside(root: Path, relative: object) -> Path | None:
    """root/relative when it stays inside root; None for anything else (absolute, '..')."""
    if not isinstance(relative, str) or not relative:
        return None
    candidate = (root / relative).resolve()
    return candidate if candidate.is_relative_to(root.resolve()) else None


def load_summary(artifacts: Path) -> Summary:
    path = artifacts / "summary.json"
    try:
        raw = path.read_bytes()[:READ_LIMIT]
        data = json.loads(raw)
    except FileNotFoundError:
        raise GitOpsError(f"{path}: not found; the preview did not produce its report") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise GitOpsError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise GitOpsError(f"{path}: not a {FORMAT} summary")
    pr = data.get("pr_number")
    if not isinstance(pr, int) or isinstance(pr, bool) or not 0 < pr < 10_000_000:
        raise GitOpsError(f"{path}: pr_number must be a pull-request number, got {pr!r}")
    stacks = data.get("stacks")
    if not isinstance(stacks, list) or not all(
        isinstance(s, str) and _STACK.match(s) for s in stacks
    ):
        raise GitOpsError(f"{path}: stacks must be a list of stack names")
    checks = data.get("checks")
    if not isinstance(checks, list):
        raise GitOpsError(f"{path}: checks must be a list")
    return Summary(pr, tuple(stacks), tuple(_check(artifacts, c, path) for c in checks))


def _check(artifacts: Path, raw: Any, source: Path) -> CheckRow:
    if not isinstance(raw, dict):
        raise GitOpsError(f"{source}: every check must be an object")
    kind, stack, code = raw.get("kind"), raw.get("stack"), raw.get("exit_code")
    if kind not in _KINDS:
        raise GitOpsError(f"{source}: unknown check kind {kind!r}")
    if stack is not None and not (isinstance(stack, str) and _STACK.match(stack)):
        raise GitOpsError(f"{source}: {stack!r} is not a stack name")
    if not isinstance(code, int) or isinstance(code, bool):
        raise GitOpsError(f"{source}: exit_code must be an integer")
    seconds = raw.get("seconds")
    note = raw.get("note")
    return CheckRow(
        kind=str(kind),
        stack=stack,
        exit_code=code,
        seconds=float(seconds) if isinstance(seconds, int | float) else 0.0,
        log=_inside(artifacts, raw.get("log")),
        note=note[:300] if isinstance(note, str) else "",
        against_base=raw.get("against_base") is True,
        report_dir=_inside(artifacts, raw.get("report_dir")),
        counts=raw.get("counts", kind != "base-plan") is not False,
    )


def _read(path: Path | None) -> str:
    if path is None or not path.is_file():
        return ""
    with path.open("rb") as handle:
        return redact(handle.read(READ_LIMIT).decode("utf-8", errors="replace"))


def _verdict(row: CheckRow) -> str:
    if row.kind == "base-plan":
        return "made" if row.ok and not row.note else _cell(row.note) or "not made"
    if row.ok:
        return "✅ passed" + (" (diff against main)" if row.against_base else "")
    meaning = {
        1: {
            "compliance": "mandatory policy failed",
            "preview": "policy violation",
            "validate": "invalid stack config",
        }.get(row.kind, "failed"),
        2: "bad config or arguments",
        3: "program error",
        4: "environment problem",
        124: "timed out",
    }.get(row.exit_code, f"exit {row.exit_code}")
    return f"❌ {meaning}"


def _cell(text: str) -> str:
    """Plain text safe inside a table cell: no markup, no line breaks, no mentions."""
    text = re.sub(r"[\r\n]+", " ", redact(text))
    text = re.sub(r"[|`<>\[\]*_~\\]", " ", text).replace("@", "@\u200b")
    return text.strip()[:120]


def fenced(text: str, language: str = "text") -> str:
    """A code block no content can close early: its fence is longer than any backtick run."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def _cap(text: str, limit: int, *, keep: str) -> str:
    if utf16_len(text) <= limit:
        return text
    note = "[... cut to fit the comment; the full text is in the run's artifacts ...]"
    room = max(limit - len(note) - 2, 0)
    if keep == "tail":
        return f"{note}\n{text[-room:]}" if room else note
    return f"{text[:room]}\n{note}" if room else note


def _stack_section(summary: Summary, stack: str) -> str:
    parts: list[str] = []
    for row in summary.checks:
        if row.stack != stack or row.kind == "base-plan":
            continue
        if row.kind == "preview":
            body = _cap(_read(row.log), SECTION_LIMIT // 2, keep="tail")
            parts.append(f"**`pcizone preview`** output\n\n{fenced(body or '(no output)')}")
        elif row.kind == "compliance":
            reports = _compliance_text(row)
            body = _cap(reports or _read(row.log), SECTION_LIMIT // 2, keep="head")
            lang = "markdown" if reports else "text"
            parts.append(f"**`pcizone compliance`** report\n\n{fenced(body or '(none)', lang)}")
    failed = any(r.stack == stack and r.counts and not r.ok for r in summary.checks)
    summary_line = f"{'❌' if failed else '✅'} {stack}: preview and compliance"
    inner = "\n\n".join(parts)
    return f"<details><summary>{summary_line}</summary>\n\n{inner}\n\n</details>"


def _compliance_text(row: CheckRow) -> str:
    if row.report_dir is None or not row.report_dir.is_dir():
        return ""
    texts = [_read(p) for p in sorted(row.report_dir.glob("*.md"))[:5]]
    return "\n\n".join(t for t in texts if t.strip())


def _cloud_table(jobs: Sequence[CloudJob]) -> str:
    title = "### Cloud preview (read-only role, same-repository pull requests)"
    ran = [j for j in jobs if "${{" not in j.name and j.conclusion != "skipped"]
    if not ran:
        return (
            f"{title}\n\nNot run: a pull request from a fork, no affected org or stage stack, "
            "or cloud previews are not configured (PULUMI_BACKEND_URL)."
        )
    icons = {"success": "✅", "failure": "❌", "cancelled": "⏹️"}
    rows = [
        f"| {_cell(j.name)} | {icons.get(j.conclusion, '⚠️')} {_cell(j.conclusion or 'running')} |"
        for j in ran
    ]
    return "\n".join([title, "", "| Job | Result |", "|---|---|", *rows])


def render(
    summary: Summary,
    *,
    cloud_jobs: Sequence[CloudJob] = (),
    run_url: str = "",
    head_sha: str = "",
) -> str:
    failed = [r for r in summary.checks if r.counts and not r.ok]
    headline = "❌ checks failed" if failed else "✅ all checks passed"
    context = []
    if _SHA.match(head_sha):
        context.append(f"commit `{head_sha[:12]}`")
    if _RUN_URL.match(run_url):
        context.append(f"[workflow run]({run_url})")
    context.append("offline checks ran without cloud credentials")
    head = [
        MARKER,
        f"## pcizone preview: {headline}",
        "",
        " · ".join(context),
        "",
        "| Check | Stack | Result | Time |",
        "|---|---|---|---|",
    ]
    for row in summary.checks:
        head.append(
            f"| `{_COMMANDS[row.kind]}` | {row.stack or 'all'} | {_verdict(row)} "
            f"| {row.seconds:.1f} s |"
        )
    if not summary.stacks:
        head += ["", "No stack is affected by this change: only `pcizone validate` ran."]
    head += ["", _cloud_table(cloud_jobs)]

    footer = (
        "\n\n<sub>Logs, plans and reports: the `pcizone-preview` artifact of the workflow run. "
        "A fork's results come from its own code: the deploy reruns the policy pack from main."
        "</sub>"
    )
    body = "\n".join(head)
    ordered = sorted(
        summary.stacks,
        key=lambda s: not any(r.stack == s and r.counts and not r.ok for r in summary.checks),
    )
    omitted = 0
    for stack in ordered:
        section = _stack_section(summary, stack)
        if utf16_len(body) + utf16_len(section) + utf16_len(footer) + 200 > BUDGET:
            omitted += 1
            continue
        body += "\n\n" + section
    if omitted:
        body += f"\n\n{omitted} stack section(s) left out to fit GitHub's comment size limit."
    body += footer
    return _cap(body, GITHUB_LIMIT - 100, keep="head")


def load_jobs(path: Path) -> list[CloudJob]:
    """Jobs as the GitHub API lists them (`jobs` of /actions/runs/{id}/jobs, or a list)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise GitOpsError(f"{path}: cannot read jobs JSON ({err})") from None
    return cloud_jobs(data.get("jobs", []) if isinstance(data, dict) else data)


def cloud_jobs(raw: Any) -> list[CloudJob]:
    jobs = []
    for job in raw if isinstance(raw, list) else []:
        if not isinstance(job, dict):
            continue
        name = job.get("name")
        if isinstance(name, str) and name.startswith("Cloud preview"):
            conclusion = job.get("conclusion")
            url = job.get("html_url")
            jobs.append(
                CloudJob(
                    name,
                    conclusion if isinstance(conclusion, str) else "",
                    url if isinstance(url, str) else "",
                )
            )
    return jobs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pcizone.gitops.comment")
    parser.add_argument("--artifacts", type=Path, required=True, help="the preview artifact")
    parser.add_argument("--jobs", type=Path, help="the run's jobs as the GitHub API lists them")
    parser.add_argument("--run-url", default="", help="link to the workflow run")
    parser.add_argument("--head-sha", default="", help="the previewed commit")
    parser.add_argument("--out", type=Path, help="write the body here instead of stdout")
    args = parser.parse_args(argv)
    body = render(
        load_summary(args.artifacts),
        cloud_jobs=load_jobs(args.jobs) if args.jobs else (),
        run_url=args.run_url,
        head_sha=args.head_sha,
    )
    if args.out:
        args.out.write_text(body, encoding="utf-8")
    else:
        sys.stdout.write(body + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
