"""Configuration: typed, strict per environment, and failing with the variable's name."""

from __future__ import annotations

import pytest
from payments.config import REQUIRED, ConfigError, FakeFaults, load_settings

LOCAL = {
    "PAYMENTS_ENV": "local",
    "PAYMENTS_DB_HOST": "127.0.0.1",
    "PAYMENTS_DB_NAME": "payments",
    "PAYMENTS_DB_USER": "payments_app",
    "PAYMENTS_DB_PASSWORD": "pw",
    "PAYMENTS_DB_SSLMODE": "disable",
    "PAYMENTS_MAX_AMOUNT_MINOR": "500000",
    "PAYMENTS_PROCESSOR": "fake",
    "AWS_REGION": "eu-west-1",
}
PROD = {
    "PAYMENTS_ENV": "prod",
    "PAYMENTS_DB_HOST": "writer.cluster-x.eu-west-1.rds.amazonaws.com",
    "PAYMENTS_DB_NAME": "payments",
    "PAYMENTS_DB_USER": "payments_app",
    "PAYMENTS_DB_IAM_AUTH": "true",
    "PAYMENTS_DB_SSLROOTCERT": "/opt/rds-global-bundle.pem",
    "PAYMENTS_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/payments",
    "PAYMENTS_MAX_AMOUNT_MINOR": "500000",
    "PAYMENTS_PROCESSOR": "stripe",
    "PAYMENTS_PROCESSOR_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:stripe",
    "AWS_REGION": "eu-west-1",
}


def test_local_settings_are_typed() -> None:
    settings = load_settings(LOCAL)
    assert settings.db_port == 5432
    assert settings.max_amount_minor == 500_000
    assert settings.db_password is not None
    assert settings.db_password.get_secret_value() == "pw"
    assert "pw" not in repr(settings)
    assert settings.idempotency_ttl_days == 15
    assert settings.fake_faults == FakeFaults()


def test_prod_settings_default_to_verified_tls_and_iam() -> None:
    settings = load_settings(PROD)
    assert settings.db_sslmode == "verify-full"
    assert settings.db_iam_auth is True
    assert settings.require_queue_url().endswith("/payments")


@pytest.mark.parametrize("missing", REQUIRED)
def test_each_missing_variable_is_named(missing: str) -> None:
    from payments.config import ENV_VARS

    variable = ENV_VARS[missing]
    env = {k: v for k, v in LOCAL.items() if k != variable}
    with pytest.raises(ConfigError, match=f"^missing environment variable {variable}$"):
        load_settings(env)


def test_empty_counts_as_missing_and_all_missing_are_listed() -> None:
    with pytest.raises(ConfigError, match="PAYMENTS_DB_HOST, PAYMENTS_DB_NAME"):
        load_settings({**LOCAL, "PAYMENTS_DB_HOST": "", "PAYMENTS_DB_NAME": ""})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"PAYMENTS_DB_PORT": "fivefour"}, "^PAYMENTS_DB_PORT: "),
        ({"PAYMENTS_DB_PORT": "70000"}, "^PAYMENTS_DB_PORT: "),
        ({"PAYMENTS_ENV": "qa"}, "^PAYMENTS_ENV: "),
        ({"PAYMENTS_DB_IAM_AUTH": "yes"}, '^PAYMENTS_DB_IAM_AUTH: must be "true" or "false"'),
        ({"PAYMENTS_MAX_AMOUNT_MINOR": "0"}, "^PAYMENTS_MAX_AMOUNT_MINOR: "),
        ({"PAYMENTS_IDEMPOTENCY_TTL_DAYS": "14"}, "^PAYMENTS_IDEMPOTENCY_TTL_DAYS: "),
        ({"PAYMENTS_PROCESSOR": "paypal"}, "^PAYMENTS_PROCESSOR: "),
        ({"PAYMENTS_PROCESSOR": "stripe"}, "PAYMENTS_PROCESSOR_SECRET_ARN is required"),
        ({"PAYMENTS_DB_SSLMODE": "verify-full"}, "PAYMENTS_DB_SSLROOTCERT is required"),
        ({"PAYMENTS_FAKE_FAULTS": "seed=1,error"}, "^PAYMENTS_FAKE_FAULTS: expected name=value"),
        ({"PAYMENTS_FAKE_FAULTS": "error=1.5"}, "^PAYMENTS_FAKE_FAULTS: error: "),
        ({"PAYMENTS_FAKE_FAULTS": "decline=0.6,error=0.6"}, "must not exceed 1"),
        ({"PAYMENTS_FAKE_FAULTS": "colour=red"}, "^PAYMENTS_FAKE_FAULTS: colour: "),
    ],
)
def test_invalid_values_name_the_variable(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({**LOCAL, **overrides})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"PAYMENTS_DB_PASSWORD": "pw"},
            "PAYMENTS_DB_PASSWORD is allowed only when PAYMENTS_ENV=local",
        ),
        ({"PAYMENTS_DB_IAM_AUTH": "false"}, "PAYMENTS_DB_IAM_AUTH must be true"),
        ({"PAYMENTS_DB_SSLMODE": "prefer"}, "PAYMENTS_DB_SSLMODE must be verify-full or verify-ca"),
        (
            {"PAYMENTS_DB_SSLMODE": "disable"},
            "PAYMENTS_DB_SSLMODE must be verify-full or verify-ca",
        ),
        (
            {"PAYMENTS_DB_SSLMODE": "require"},
            "PAYMENTS_DB_SSLMODE must be verify-full or verify-ca",
        ),
        (
            {"PAYMENTS_PROCESSOR": "fake"},
            "PAYMENTS_PROCESSOR=fake is refused when PAYMENTS_ENV=prod",
        ),
    ],
)
def test_outside_local_the_secure_choices_are_enforced(
    overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({**PROD, **overrides})


def test_secret_values_never_appear_in_errors() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({**PROD, "PAYMENTS_DB_PASSWORD": "hunter2-secret"})
    assert "hunter2" not in str(raised.value)


def test_fake_faults_parse() -> None:
    settings = load_settings({**LOCAL, "PAYMENTS_FAKE_FAULTS": "seed=7, decline=0.1,timeout=0.05"})
    assert settings.fake_faults == FakeFaults(seed=7, decline=0.1, error=0.0, timeout=0.05)


def test_queue_url_is_required_where_used() -> None:
    with pytest.raises(ConfigError, match=r"^missing environment variable PAYMENTS_QUEUE_URL$"):
        load_settings(LOCAL).require_queue_url()
