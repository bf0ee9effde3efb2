"""Removes review stacks (pr-<number>) that nobody updated for N days.

    python -m pcizone.gitops.sweep --older-than-days 7 [--stacks-json FILE|-] [--execute]

The listing is `pulumi stack ls --json` output: read from FILE (or stdin with -), else run in
the current folder. Without --execute it only prints what it would remove. A stack with an
update in progress, or without a last-update time, is never removed. Exit 1 if a destroy
failed (the others still run).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pcizone.gitops.errors import EXIT_FAILED, GitOpsError, run_main
from pcizone.gitops.pulumi_stacks import (
    REVIEW_STACK,
    StackEntry,
    destroy_review_stack,
    list_stacks,
    parse_listing,
)


@dataclass(frozen=True)
class Decision:
    stack: str
    remove: bool
    reason: str


def decide(entries: Sequence[StackEntry], *, now: datetime, older_than_days: int) -> list[Decision]:
    """One decision per review stack in the listing; other stacks are not mentioned."""
    limit = timedelta(days=older_than_days)
    decisions = []
    for entry in entries:
        if not REVIEW_STACK.match(entry.name):
            continue
        if entry.update_in_progress:
            decisions.append(Decision(entry.name, False, "an update is in progress"))
        elif entry.last_update is None:
            decisions.append(Decision(entry.name, False, "last update unknown"))
        else:
            age = now - entry.last_update
            days = age.total_seconds() / 86400
            stale = age > limit
            decisions.append(Decision(entry.name, stale, f"last updated {days:.1f} days ago"))
    return decisions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pcizone.gitops.sweep")
    parser.add_argument("--older-than-days", type=int, required=True)
    parser.add_argument("--stacks-json", help="`pulumi stack ls --json` output; - for stdin")
    parser.add_argument("--execute", action="store_true", help="destroy and remove stale stacks")
    parser.add_argument("--pulumi", default="pulumi", help="the Pulumi CLI (default: on PATH)")
    parser.add_argument("--now", help="ISO 8601 time to measure ages from (default: now)")
    args = parser.parse_args(argv)

    if not 1 <= args.older_than_days <= 365:
        raise GitOpsError(f"--older-than-days must be 1 to 365, got {args.older_than_days}")
    now = _now(args.now)
    cwd = Path.cwd()
    if args.stacks_json == "-":
        entries = parse_listing(sys.stdin.read(), "stdin")
    elif args.stacks_json:
        path = Path(args.stacks_json)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise GitOpsError(f"{path}: cannot read ({err.strerror})") from None
        entries = parse_listing(text, str(path))
    else:
        entries = list_stacks(args.pulumi, cwd)

    decisions = decide(entries, now=now, older_than_days=args.older_than_days)
    failed = []
    for decision in decisions:
        verb = "remove" if decision.remove else "keep"
        print(f"{verb:6} {decision.stack}: {decision.reason}")
        if decision.remove and args.execute:
            result = destroy_review_stack(decision.stack, args.pulumi, cwd)
            if not result.ok:
                failed.append(decision.stack)
    stale = [d.stack for d in decisions if d.remove]
    if not args.execute and stale:
        print(f"dry run: {len(stale)} stale review stack(s); --execute removes them")
    if failed:
        print(f"error: could not remove {', '.join(failed)}", file=sys.stderr)
        return EXIT_FAILED
    return 0


def _now(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise GitOpsError(f"--now must be an ISO 8601 time, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


if __name__ == "__main__":
    sys.exit(run_main(main))
