"""The stack kind comes from the stack name; nothing else decides it."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from pcizone.errors import UserError

STAGES = ("dev", "staging", "prod")

_DEVELOPER = re.compile(r"^dev-(?P<name>[a-z][a-z0-9]{1,19})$")
_REVIEW = re.compile(r"^pr-(?P<number>[1-9][0-9]{0,6})$")

ALLOWED_PATTERNS = (
    "org",
    "dev | staging | prod",
    "dev-<name> (name: 2-20 lowercase letters or digits, starting with a letter)",
    "pr-<number> (a pull request number)",
)


class StackKind(enum.StrEnum):
    ORG = "org"
    STAGE = "stage"
    DEVELOPER = "developer"


@dataclass(frozen=True)
class StackIdentity:
    """What a stack name means: its kind, the stage (account) it lives in, and its owner slug."""

    name: str
    kind: StackKind
    stage: str  # "org" for the management account, else dev/staging/prod
    slug: str  # the part that makes names unique inside the stage: "alice", "pr-12", or the stage

    @property
    def is_review(self) -> bool:
        return self.name.startswith("pr-")


def parse_stack_name(name: str) -> StackIdentity:
    if name == "org":
        return StackIdentity(name, StackKind.ORG, "org", "org")
    if name in STAGES:
        return StackIdentity(name, StackKind.STAGE, name, name)
    # fullmatch: `$` alone also matches before a trailing newline ("dev-alice\n").
    if m := _DEVELOPER.fullmatch(name):
        return StackIdentity(name, StackKind.DEVELOPER, "dev", m["name"])
    if m := _REVIEW.fullmatch(name):
        return StackIdentity(name, StackKind.DEVELOPER, "dev", f"pr{m['number']}")
    allowed = "; ".join(ALLOWED_PATTERNS)
    raise UserError(f"unknown stack name {name!r}: allowed stack names are {allowed}")
