"""Invalid org config fails with one clear line naming the file and the key; nothing is declared."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pcizone.config.errors import ConfigError
from pcizone.config.loader import find_repo_root
from pcizone.errors import EXIT_USAGE
from pcizone.offline.runner import run_stack

SOURCE = "stacks/Pulumi.org.yaml"


def _base(key: str) -> dict[str, Any]:
    text = (find_repo_root() / SOURCE).read_text(encoding="utf-8")
    value: dict[str, Any] = yaml.safe_load(text)["config"][key]
    return value


def _archive(**changes: Any) -> dict[str, Any]:
    return {"pcizone:logArchive": {**_base("pcizone:logArchive"), **changes}}


def _organization(**changes: Any) -> dict[str, Any]:
    return {"pcizone:organization": {**_base("pcizone:organization"), **changes}}


def _accounts_with_prod_email(email: str) -> dict[str, Any]:
    accounts = dict(_base("pcizone:organization")["accounts"])
    accounts["prod"] = {"name": "pcizone-prod", "email": email}
    return _organization(accounts=accounts)


CASES = [
    pytest.param(
        _archive(retentionDays=300),
        "pcizone:logArchive.retentionDays: must be at least 365, got 300",
        id="retention-under-a-year",
    ),
    pytest.param(
        _organization(allowedRegions=["eu-west-1", "eu-wset-1"]),
        "pcizone:organization.allowedRegions[1]: must be an AWS region such as eu-west-1,"
        " got 'eu-wset-1'",
        id="unknown-region",
    ),
    pytest.param(
        _archive(objectLockDays=500),
        "pcizone:logArchive.objectLockDays: must not exceed retentionDays (400), got 500",
        id="object-lock-longer-than-retention",
    ),
    pytest.param(
        _accounts_with_prod_email("AWS+dev@example.com"),
        "pcizone:organization.accounts.prod.email: duplicates the email of dev:"
        " AWS+dev@example.com",
        id="duplicate-account-email",
    ),
    pytest.param(
        {"pcizone:github": {"repository": "example-org/pcizone", "deployBranch": "release/*"}},
        "pcizone:github.deployBranch: must be one branch name (letters, digits, ._/-),"
        " got 'release/*'",
        id="wildcard-deploy-branch",
    ),
]


@pytest.mark.parametrize(("overrides", "message"), CASES)
def test_invalid_org_config_is_one_clear_line(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack("org", config_overrides=overrides)
    assert caught.value.problems == [f"{SOURCE}: {message}"]
    assert caught.value.exit_code == EXIT_USAGE
    assert "\n" not in str(caught.value)
