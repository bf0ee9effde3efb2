"""Configuration from environment variables, typed and checked once per container.

The deploy code (and the local cloud) set exactly these variables:

| variable | required | meaning |
|---|---|---|
| `PAYMENTS_ENV` | yes | `local`, `dev`, `staging` or `prod` |
| `PAYMENTS_DB_HOST` | yes | database host (Aurora writer endpoint; `127.0.0.1` locally) |
| `PAYMENTS_DB_PORT` | no, 5432 | database port |
| `PAYMENTS_DB_NAME` | yes | database name |
| `PAYMENTS_DB_USER` | yes | database user |
| `PAYMENTS_DB_PASSWORD` | local only | static password; refused unless `PAYMENTS_ENV=local` |
| `PAYMENTS_DB_IAM_AUTH` | no, `false` | `true`: sign an RDS IAM token per connection; required outside local |
| `PAYMENTS_DB_SSLMODE` | no, `verify-full` | libpq sslmode; outside local only `verify-full` or `verify-ca` |
| `PAYMENTS_DB_SSLROOTCERT` | with `verify-*` | CA bundle path for the server certificate, or `system` |
| `PAYMENTS_QUEUE_URL` | API, redrive | SQS queue the API enqueues payments on |
| `PAYMENTS_MAX_AMOUNT_MINOR` | yes | largest accepted amount, in minor units |
| `PAYMENTS_PROCESSOR` | yes | `fake` (refused in `prod`) or `stripe` |
| `PAYMENTS_PROCESSOR_SECRET_ARN` | with `stripe` | Secrets Manager ARN holding the processor API key |
| `PAYMENTS_IDEMPOTENCY_TTL_DAYS` | no, 15 | idempotency record lifetime, at least 15 days (SQS retention 14 + redrive) |
| `PAYMENTS_FAKE_FAULTS` | no | fake processor faults, e.g. `seed=7,decline=0.1,error=0.05,timeout=0.02` |
| `AWS_REGION` | yes | set by Lambda; SQS, Secrets Manager and IAM tokens use it |

`AWS_ENDPOINT_URL` (read by boto3 itself) points the AWS clients at an emulator locally.
A missing or invalid variable is a `ConfigError` naming the variable, never its value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)

Environment = Literal["local", "dev", "staging", "prod"]
SslMode = Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
MIN_IDEMPOTENCY_TTL_DAYS = 15  # SQS keeps messages up to 14 days, plus one day to redrive


class ConfigError(Exception):
    """A missing or invalid environment variable; the message names it."""


def _strict_bool(value: object) -> object:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "false"}:
            return lowered == "true"
        raise ValueError('must be "true" or "false"')
    return value


StrictFlag = Annotated[bool, BeforeValidator(_strict_bool)]


class FakeFaults(BaseModel):
    """Fault rates of the fake processor; each request's fate is a function of the seed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 0
    decline: float = Field(default=0.0, ge=0.0, le=1.0)
    error: float = Field(default=0.0, ge=0.0, le=1.0)  # a 5xx: nothing charged, retryable
    timeout: float = Field(default=0.0, ge=0.0, le=1.0)  # no answer: charged or not, retryable

    @model_validator(mode="after")
    def _rates_fit(self) -> FakeFaults:
        if self.decline + self.error + self.timeout > 1.0:
            raise ValueError("decline + error + timeout must not exceed 1")
        return self


def _parse_faults(value: object) -> object:
    if not isinstance(value, str):
        return value
    fields: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        name, sep, number = part.partition("=")
        if not sep:
            raise ValueError(f"expected name=value pairs separated by commas, got {name!r}")
        fields[name.strip()] = number.strip()
    return fields


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    env: Environment
    db_host: str = Field(min_length=1)
    db_port: int = Field(default=5432, ge=1, le=65535)
    db_name: str = Field(min_length=1)
    db_user: str = Field(min_length=1)
    db_password: SecretStr | None = None
    db_iam_auth: StrictFlag = False
    db_sslmode: SslMode = "verify-full"
    db_sslrootcert: str | None = None
    queue_url: str | None = None
    max_amount_minor: int = Field(gt=0)
    processor: Literal["fake", "stripe"]
    processor_secret_arn: str | None = None
    idempotency_ttl_days: int = Field(default=MIN_IDEMPOTENCY_TTL_DAYS, ge=MIN_IDEMPOTENCY_TTL_DAYS)
    fake_faults: Annotated[FakeFaults, BeforeValidator(_parse_faults)] = FakeFaults()
    aws_region: str = Field(min_length=1)

    @model_validator(mode="after")
    def _environment_rules(self) -> Settings:
        local = self.env == "local"
        if not local:
            if self.db_password is not None:
                raise ValueError("PAYMENTS_DB_PASSWORD is allowed only when PAYMENTS_ENV=local")
            if not self.db_iam_auth:
                raise ValueError("PAYMENTS_DB_IAM_AUTH must be true unless PAYMENTS_ENV=local")
            if self.db_sslmode not in {"verify-full", "verify-ca"}:
                raise ValueError(
                    "PAYMENTS_DB_SSLMODE must be verify-full or verify-ca unless PAYMENTS_ENV=local"
                )
        if self.db_sslmode.startswith("verify-") and not self.db_sslrootcert:
            raise ValueError(
                f"PAYMENTS_DB_SSLROOTCERT is required with PAYMENTS_DB_SSLMODE={self.db_sslmode}"
            )
        if self.processor == "stripe" and not self.processor_secret_arn:
            raise ValueError(
                "PAYMENTS_PROCESSOR_SECRET_ARN is required with PAYMENTS_PROCESSOR=stripe"
            )
        if self.processor == "fake" and self.env == "prod":
            raise ValueError("PAYMENTS_PROCESSOR=fake is refused when PAYMENTS_ENV=prod")
        return self

    def require_queue_url(self) -> str:
        if not self.queue_url:
            raise ConfigError("missing environment variable PAYMENTS_QUEUE_URL")
        return self.queue_url


ENV_VARS: dict[str, str] = {
    "env": "PAYMENTS_ENV",
    "db_host": "PAYMENTS_DB_HOST",
    "db_port": "PAYMENTS_DB_PORT",
    "db_name": "PAYMENTS_DB_NAME",
    "db_user": "PAYMENTS_DB_USER",
    "db_password": "PAYMENTS_DB_PASSWORD",
    "db_iam_auth": "PAYMENTS_DB_IAM_AUTH",
    "db_sslmode": "PAYMENTS_DB_SSLMODE",
    "db_sslrootcert": "PAYMENTS_DB_SSLROOTCERT",
    "queue_url": "PAYMENTS_QUEUE_URL",
    "max_amount_minor": "PAYMENTS_MAX_AMOUNT_MINOR",
    "processor": "PAYMENTS_PROCESSOR",
    "processor_secret_arn": "PAYMENTS_PROCESSOR_SECRET_ARN",
    "idempotency_ttl_days": "PAYMENTS_IDEMPOTENCY_TTL_DAYS",
    "fake_faults": "PAYMENTS_FAKE_FAULTS",
    "aws_region": "AWS_REGION",
}
REQUIRED = (
    "env",
    "db_host",
    "db_name",
    "db_user",
    "max_amount_minor",
    "processor",
    "aws_region",
)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from `environ` (default: the process environment); empty values count as unset."""
    source = os.environ if environ is None else environ
    raw = {field: source[var] for field, var in ENV_VARS.items() if source.get(var, "") != ""}
    missing = [ENV_VARS[field] for field in REQUIRED if field not in raw]
    if missing:
        raise ConfigError("missing environment variable " + ", ".join(missing))
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    error = exc.errors(include_input=False, include_url=False)[0]
    message = str(error["msg"]).removeprefix("Value error, ")
    loc = error["loc"]
    if not loc:  # a cross-field rule: its message already names the variables
        return message
    variable = ENV_VARS.get(str(loc[0]), str(loc[0]))
    if len(loc) > 1:
        message = f"{'.'.join(str(p) for p in loc[1:])}: {message}"
    return f"{variable}: {message}"
