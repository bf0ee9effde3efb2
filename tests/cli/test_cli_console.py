"""Values are printed as they are: an ARN copied from the terminal must be the real ARN."""

from __future__ import annotations

from pcizone.cli.console import console

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-DeF123"


def test_an_arn_with_secret_in_it_is_not_turned_into_an_emoji() -> None:
    with console().capture() as captured:
        console().print(ARN)
    assert captured.get().strip() == ARN
