"""What the deploy hands the local runtime, and the PostgreSQL stand-in for Aurora."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pcizone.local.aws_access import AwsAccess
from pcizone.local.deploy.registry import FunctionBuilder, runtime_plan
from pcizone.local.deploy.services import LocalServices
from pcizone.local.postgres import PostgresServer
from pcizone.local.postgres_standin import PostgresStandIn

from .conftest import PROGRAMS, deploy

pytestmark = pytest.mark.postgres


@pytest.fixture
def standin(postgres_server: PostgresServer) -> Iterator[PostgresStandIn]:
    yield PostgresStandIn(postgres_server)
    with postgres_server.connect() as conn:
        for role in ("pcz_test_app", "pczadmin"):
            conn.execute(f"DROP ROLE IF EXISTS {role}")


def test_functions_mappings_and_routes_come_from_the_deploy(aws: AwsAccess, tmp_path: Path) -> None:
    deployed = deploy(aws, "payments_like", stack="plan")
    builder = FunctionBuilder(project_dir=PROGRAMS, code_root=tmp_path, standin=None)
    plan = runtime_plan(list(deployed.mocks.deployed.values()), builder)
    worker = deployed.named("worker")
    (function,) = plan.functions
    assert function.name == worker.id
    assert function.handler == "handler.handler"
    assert function.role_arn == deployed.named("worker-role").outputs["arn"]
    assert (function.timeout_seconds, function.memory_mb, function.reserved_concurrency) == (
        10,
        256,
        2,
    )
    # The runtime gets the real value of a secret variable; the deploy state only its hash.
    assert function.env == {
        "QUEUE_URL": deployed.run.outputs["queueUrl"],
        "API_TOKEN": "tok-s3cr3t-value",
    }
    assert (function.code_paths[0] / "handler.py").read_text().startswith('"""A function the local')
    (source,) = plan.event_sources
    assert source.function_name == worker.id
    assert source.queue_url == deployed.run.outputs["queueUrl"]
    assert source.queue_arn == deployed.named("queue").outputs["arn"]
    assert (source.batch_size, source.maximum_concurrency, source.report_batch_item_failures) == (
        5,
        2,
        True,
    )
    (route,) = plan.routes
    assert (route.route_key, route.function_name) == ("POST /payments", worker.id)
    (schedule,) = plan.schedules
    assert (schedule.function_name, schedule.every_seconds) == (worker.id, 300)
    assert schedule.rule_arn == deployed.named("relay-schedule").outputs["arn"]


def test_aurora_maps_to_local_postgres_with_the_secret_password(
    aws: AwsAccess, standin: PostgresStandIn, tmp_path: Path
) -> None:
    deployed = deploy(aws, "database", stack="database", services=LocalServices(standin=standin))
    outputs = deployed.run.outputs
    assert (outputs["endpoint"], outputs["port"]) == ("127.0.0.1", standin.port)
    assert deployed.named("db", ":Proxy").outputs["endpoint"] == "127.0.0.1"
    secret = json.loads(
        aws.client("secretsmanager").get_secret_value(SecretId=outputs["secretArn"])["SecretString"]
    )
    assert secret["username"] == "pczadmin" and len(secret["password"]) >= 24
    with psycopg.connect(
        host="127.0.0.1",
        port=standin.port,
        user="pczadmin",
        password=secret["password"],
        dbname="postgres",
    ) as conn:
        roles = {
            r[0]
            for r in conn.execute(
                "SELECT rolname FROM pg_roles WHERE pg_has_role(current_user, oid, 'member')"
            )
        }
    assert {"pczadmin", "rds_superuser"} <= roles

    builder = FunctionBuilder(project_dir=PROGRAMS, code_root=tmp_path, standin=standin)
    notes: list[str] = []
    env = builder.spec(deployed.named("app", ":Function"), notes).env
    # No internet and no real key locally: the fake processor stands in for Stripe, said so.
    assert env["PAYMENTS_PROCESSOR"] == "fake"
    assert any("stripe processor needs the internet" in note for note in notes)
    assert env["PAYMENTS_ENV"] == "local" and env["PAYMENTS_DB_IAM_AUTH"] == "false"
    assert env["PAYMENTS_DB_SSLMODE"] == "disable" and "PAYMENTS_DB_SSLROOTCERT" not in env
    assert (env["PAYMENTS_DB_HOST"], env["PAYMENTS_DB_PORT"]) == ("127.0.0.1", str(standin.port))
    with psycopg.connect(
        host="127.0.0.1",
        port=standin.port,
        user="pcz_test_app",
        password=env["PAYMENTS_DB_PASSWORD"],
        dbname="postgres",
    ) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("pcz_test_app",)
