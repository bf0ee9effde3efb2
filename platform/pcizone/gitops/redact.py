"""Masks what must never reach a PR comment, an issue or a log artifact.

Card numbers (PCI DSS 3.3, 3.4) and credentials: cloud keys, tokens, private keys. Terminal
colour codes are stripped too, since GitHub renders them as garbage. Standard library only:
it runs in the jobs that hold a write token, where nothing is installed.
"""

from __future__ import annotations

import re

# 13-19 digits, optionally split by single spaces or dashes, as card numbers are written.
# Every such run is masked, Luhn-valid or not: a false positive costs nothing here.
_PAN_LIKE = re.compile(r"(?<![\dA-Za-z])(?:\d[ -]?){12,18}\d(?![\dA-Za-z])")

_SECRETS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S
        ),
        "[masked private key]",
    ),
    (
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"),
        "[masked AWS key id]",
    ),
    (
        re.compile(
            r"(?i)\b(aws_secret_access_key|aws_session_token|secret_?access_?key|session_?token)"
            r"(\s*[=:]\s*|\"\s*:\s*\")[A-Za-z0-9/+=]{16,}"
        ),
        r"\1\2[masked]",
    ),
    (re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}\b"), "[masked GitHub token]"),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{30,}\b"), "[masked GitHub token]"),
    (re.compile(r"\bpul-[0-9a-f]{40}\b"), "[masked Pulumi token]"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), "[masked JWT]"),
    (re.compile(r"(?i)\b(bearer|token)\s+[A-Za-z0-9._~+/-]{20,}=*"), r"\1 [masked]"),
    (re.compile(r"(?i)(postgres(?:ql)?://[^:/@\s]+:)[^@\s]+@"), r"\1[masked]@"),
)

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def redact(text: str) -> str:
    """The text with card numbers, credentials and terminal control codes masked or removed."""
    text = _ANSI.sub("", text)
    text = _CONTROL.sub("", text)
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)

    def mask_pan(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return f"[masked card-like number ...{digits[-4:]}]"

    return _PAN_LIKE.sub(mask_pan, text)
