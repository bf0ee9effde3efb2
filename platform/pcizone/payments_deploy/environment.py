"""Lambda environment variables, exactly as `payments.config` documents them.

Values are not secret (hosts, names, ARNs); the processor key itself never appears here, only
the ARN of the secret that holds it. The variables are still encrypted with the secrets key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from pcizone.config.payments_settings import PaymentsSettings
from pcizone.payments_deploy.permissions import Function

# RDS Proxy presents an ACM certificate (Amazon Trust Services), which the Lambda runtime's
# system trust store holds; libpq 16+ reads that store with sslrootcert=system.
SSL_MODE = "verify-full"
SSL_ROOT_CERT = "system"
# Functions that put messages on the payments queue (the outbox's senders).
SENDERS = frozenset({Function.API, Function.OUTBOX_RELAY})


@dataclass(frozen=True)
class DatabaseEndpoint:
    host: pulumi.Input[str]
    port: pulumi.Input[int]
    name: str
    user: str
    admin_user: pulumi.Input[str]


def payments_environment(
    function: Function,
    *,
    env: str,
    settings: PaymentsSettings,
    database: DatabaseEndpoint,
    queue_url: pulumi.Input[str],
    processor_secret_arn: pulumi.Input[str] | None,
) -> Mapping[str, pulumi.Input[str]]:
    variables: dict[str, pulumi.Input[str]] = {
        "PAYMENTS_ENV": env,
        "PAYMENTS_DB_HOST": database.host,
        "PAYMENTS_DB_PORT": pulumi.Output.from_input(database.port).apply(lambda p: str(int(p))),
        "PAYMENTS_DB_NAME": database.name,
        "PAYMENTS_DB_USER": database.admin_user if function is Function.MIGRATOR else database.user,
        "PAYMENTS_DB_IAM_AUTH": "true",
        "PAYMENTS_DB_SSLMODE": SSL_MODE,
        "PAYMENTS_DB_SSLROOTCERT": SSL_ROOT_CERT,
        # One value for every function: the migrator creates the fake processor's journal
        # exactly when the worker will charge through it.
        "PAYMENTS_PROCESSOR": settings.processor.kind,
    }
    if function is Function.MIGRATOR:
        # The migrator connects as the master user and creates the service's user and database.
        variables["PAYMENTS_DB_APP_USER"] = database.user
        return variables
    variables.update(
        {
            "PAYMENTS_MAX_AMOUNT_MINOR": str(settings.api.max_amount_minor),
            "PAYMENTS_IDEMPOTENCY_TTL_DAYS": str(settings.idempotency_ttl_days),
        }
    )
    if processor_secret_arn is not None:
        variables["PAYMENTS_PROCESSOR_SECRET_ARN"] = processor_secret_arn
    if function in SENDERS:
        variables["PAYMENTS_QUEUE_URL"] = queue_url
    return variables
