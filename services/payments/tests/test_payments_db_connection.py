"""Lambda-style connection handling: one connection, reconnect after failure, IAM and TLS."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from payments import aws
from payments.config import load_settings
from payments.db.connection import Database, connect, connection_params


def _terminate(postgres_server: Any, conn: psycopg.Connection[Any]) -> None:
    with postgres_server.connect() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))


def test_one_connection_is_reused(db: Any) -> None:
    database = Database(lambda: connect(db.settings(), "payments-test"))
    first = database.get()
    assert database.get() is first
    row = first.execute(
        "SELECT current_setting('application_name'), current_setting('statement_timeout')"
    ).fetchone()
    assert row == ("payments-test", "15s")
    database.close()
    assert first.closed


def test_a_broken_connection_is_replaced_on_next_use(db: Any, postgres_server: Any) -> None:
    database = Database(lambda: connect(db.settings(), "payments-test"))
    first = database.get()
    _terminate(postgres_server, first)
    with pytest.raises(psycopg.OperationalError), database.session() as conn:
        conn.execute("SELECT 1")
    second = database.get()
    assert second is not first and not second.closed
    assert second.execute("SELECT 1").fetchone() == (1,)
    database.close()


def test_an_idle_connection_is_checked_before_use(db: Any, postgres_server: Any) -> None:
    database = Database(lambda: connect(db.settings(), "payments-test"), ping_after=0.0)
    first = database.get()
    _terminate(postgres_server, first)  # as Aurora does to a container asleep for an hour
    second = database.get()  # the ping fails quietly and a new connection is made
    assert second is not first
    assert second.execute("SELECT 1").fetchone() == (1,)
    database.close()


def test_iam_auth_signs_a_token_and_requires_verified_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    aws.forget_clients()  # a cached client would carry other credentials
    settings = load_settings(
        {
            "PAYMENTS_ENV": "prod",
            "PAYMENTS_DB_HOST": "writer.cluster-x.eu-west-1.rds.amazonaws.com",
            "PAYMENTS_DB_NAME": "payments",
            "PAYMENTS_DB_USER": "payments_app",
            "PAYMENTS_DB_IAM_AUTH": "true",
            "PAYMENTS_DB_SSLROOTCERT": "/opt/rds-global-bundle.pem",
            "PAYMENTS_MAX_AMOUNT_MINOR": "100000",
            "PAYMENTS_PROCESSOR": "stripe",
            "PAYMENTS_PROCESSOR_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:s",
            "AWS_REGION": "eu-west-1",
        }
    )
    params = connection_params(settings)
    assert params["sslmode"] == "verify-full"
    assert params["sslrootcert"] == "/opt/rds-global-bundle.pem"
    token = params["password"]
    assert token.startswith(
        "writer.cluster-x.eu-west-1.rds.amazonaws.com:5432/?Action=connect&DBUser=payments_app"
    )
    assert "X-Amz-Signature=" in token and "X-Amz-Credential=AKIDEXAMPLE" in token
    aws.forget_clients()


def test_local_uses_the_static_password(db: Any) -> None:
    params = connection_params(db.settings())
    assert params["password"] == "local-test-password"
    assert params["sslmode"] == "disable"
    assert "sslrootcert" not in params
