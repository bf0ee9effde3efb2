"""Nothing secret or card-like leaves CI in a comment, an issue or a log artifact."""

from __future__ import annotations

import pytest
from pcizone.gitops.redact import redact


@pytest.mark.parametrize(
    "pan",
    ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "378282246310005"],
)
def test_card_numbers_keep_only_their_last_four_digits(pan: str) -> None:
    masked = redact(f"charge failed for {pan} today")
    assert pan not in masked
    assert masked == f"charge failed for [masked card-like number ...{pan[-4:]}] today"


@pytest.mark.parametrize(
    ("secret", "replacement"),
    [
        ("AKIAIOSFODNN7EXAMPLE", "[masked AWS key id]"),
        ("ASIAY34FZKBOKMUTVV7A", "[masked AWS key id]"),
        ("ghp_" + "a" * 36, "[masked GitHub token]"),
        ("github_pat_" + "B" * 40, "[masked GitHub token]"),
        ("pul-" + "0123456789abcdef" * 2 + "01234567", "[masked Pulumi token]"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyZXBvIn0.c2lnbmF0dXJlX2hlcmU", "[masked JWT]"),
    ],
)
def test_credentials_are_masked(secret: str, replacement: str) -> None:
    assert redact(f"value: {secret} end") == f"value: {replacement} end"


def test_secret_assignments_keep_the_name_and_lose_the_value() -> None:
    text = 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"sessionToken": "FwoGZXIvYXdzEBYaDH0123456789"'
    masked = redact(text)
    assert "wJalrXUtnFEMI" not in masked and "FwoGZXIvYXdzEBYaDH" not in masked
    assert masked.splitlines()[0] == "aws_secret_access_key = [masked]"


def test_private_keys_and_database_passwords_are_masked() -> None:
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"
    assert redact(f"k: {key} done") == "k: [masked private key] done"
    assert (
        redact("postgresql://ledger:hunter2@db:5432/pay")
        == "postgresql://ledger:[masked]@db:5432/pay"
    )


def test_ordinary_identifiers_are_left_alone() -> None:
    text = (
        "account 123456789012 commit 3f2a9c1b7e5d4a6f8b0c2d4e6f8a0b2c4d6e8f0a "
        "urn:pulumi:prod::pcizone::aws:rds/cluster:Cluster::ledger 2026-01-31T12:00:00Z"
    )
    assert redact(text) == text


def test_terminal_control_codes_are_stripped() -> None:
    assert (
        redact("\x1b[1;31merror\x1b[0m: \x1b]8;;https://x\x07link\x1b]8;;\x07\x07") == "error: link"
    )
