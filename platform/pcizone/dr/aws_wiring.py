"""Builds the AWS drills of a stage stack from its config: names, regions, connections.

Resource names come from the same naming module the Pulumi program uses. Database credentials
come from the payments service's own settings (PAYMENTS_DB_* in the environment; IAM
authentication and verified TLS outside local), so the drill connects exactly as the service
does and holds no secret of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from pcizone.errors import UserError


@dataclass(frozen=True)
class AwsStack:
    stack: str
    home_region: str
    dr_region: str | None
    global_cluster_id: str
    primary_cluster_id: str


def resolve(stack: str, repo_root: Path | None = None) -> AwsStack:
    from pcizone.config import StageConfig, load_stack_config
    from pcizone.core.naming import Naming

    identity, config, _raw = load_stack_config(stack, repo_root)
    if not isinstance(config, StageConfig):
        raise UserError(
            f"stack {stack!r} has no database of its own: AWS drills run on the stage stacks"
            " (dev, staging, prod); run developer-stack drills with --local"
        )
    naming = Naming(identity, config.owner, config.cost_centre)
    return AwsStack(
        stack=stack,
        home_region=config.region,
        dr_region=config.dr.region,
        global_cluster_id=naming.name("aurora-global"),
        primary_cluster_id=naming.name("aurora"),
    )


def rds_client(region: str) -> Any:
    import boto3
    from botocore.config import Config

    # Bounded calls: a hung API call must not hang a drill that has a fault in flight.
    config = Config(connect_timeout=10, read_timeout=30, retries={"mode": "standard"})
    return boto3.client("rds", region_name=region, config=config)


def conninfo_for_host(host: str) -> str:
    """libpq conninfo for `host` with the payments service's credentials and TLS settings."""
    from payments.config import ConfigError, load_settings
    from payments.db.connection import connection_params

    try:
        settings = load_settings()
    except ConfigError as exc:
        raise UserError(f"database settings for the drill probe: {exc}") from None
    params = connection_params(settings.model_copy(update={"db_host": host}))
    return make_conninfo(**{k: str(v) for k, v in params.items()})


def cluster_endpoint(arn_or_id: str, region: str) -> str:
    clusters = rds_client(region).describe_db_clusters(DBClusterIdentifier=arn_or_id)
    return str(clusters["DBClusters"][0]["Endpoint"])


def read_global_db_status(conninfo: str) -> list[tuple[str, float, float]]:
    """(region, rpo_lag_in_msec, durability_lag_in_msec) per cluster, from the writer."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT aws_region, rpo_lag_in_msec, durability_lag_in_msec"
            " FROM aurora_global_db_status()"
        ).fetchall()
    return [(str(r[0]), float(r[1]), float(r[2])) for r in rows]
