"""A stage stack (dev, staging, prod) in its own member account.

Order: keys -> account foundation (baseline, log pipeline) -> network -> database (Aurora,
RDS Proxy; prod: global database and the DR region's secondary) -> backups -> alarms ->
in staging and prod, the payments service. Outputs are the contract developer stacks and the
local cloud read (see `export_stage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from pcizone.alerts.stage_alerts import ReplicaLagWatch, StageAlerts
from pcizone.baseline.foundation import AccountFoundation, build_account_foundation
from pcizone.config.loader import find_repo_root
from pcizone.config.models import StageConfig
from pcizone.core.context import StackContext
from pcizone.core.providers import account_provider
from pcizone.data.aurora import MASTER_USERNAME
from pcizone.data.backup import BackupPlan, DrBackup
from pcizone.data.database import Database, DatabaseArgs, DatabaseSite
from pcizone.data.key_policy import KeyClass
from pcizone.data.keys import DataKeys
from pcizone.data.placement import Placement
from pcizone.network.vpc import Network, NetworkArgs
from pcizone.payments_deploy.service import PaymentsService, ServiceArgs
from pcizone.payments_deploy.stage_resources import KeyArns, StageResources

# The DR region holds the secondary cluster, its key, its network and its alarm topic.
DR_KEY_CLASSES = (KeyClass.CARDHOLDER_DATA, KeyClass.LOGS, KeyClass.QUEUES)


@dataclass(frozen=True)
class DrSite:
    placement: Placement
    keys: DataKeys
    network: Network


def build(ctx: StackContext[StageConfig]) -> None:
    config = ctx.config
    naming = ctx.naming
    account_id = ctx.ref_output("org", "accountIds").apply(
        lambda ids: _account_of(ids, ctx.identity.stage)
    )
    role = config.account.assume_role_name
    provider = account_provider(
        "account", naming, account_id=account_id, role_name=role, region=config.region
    )
    home = Placement(provider, account_id, config.region)
    keys = DataKeys("keys", naming=naming, placement=home, deployer_role=role)
    foundation = build_account_foundation(ctx, provider, logs_key_arn=keys.arn(KeyClass.LOGS))
    network = Network(
        "network",
        NetworkArgs(
            cidr=config.network.cidr,
            az_count=config.network.az_count,
            logs_key_arn=keys.arn(KeyClass.LOGS),
            log_retention_days=config.logs.retention_days,
            subscriber=foundation,
        ),
        naming=naming,
        placement=home,
    )
    dr = _dr_site(ctx, account_id) if config.dr.region is not None else None
    groups = network.security_groups
    database = Database(
        "database",
        DatabaseArgs(
            settings=config.aurora,
            primary=DatabaseSite(
                placement=home,
                subnet_ids=[s.id for s in network.subnets],
                database_security_group_id=groups.database_group.id,
                cardholder_key_arn=keys.arn(KeyClass.CARDHOLDER_DATA),
            ),
            proxy_security_group_id=groups.proxy_group.id,
            secrets_key_arn=keys.arn(KeyClass.SECRETS),
            secondary=(
                DatabaseSite(
                    placement=dr.placement,
                    subnet_ids=[s.id for s in dr.network.subnets],
                    database_security_group_id=dr.network.security_groups.database_group.id,
                    cardholder_key_arn=dr.keys.arn(KeyClass.CARDHOLDER_DATA),
                )
                if dr is not None
                else None
            ),
        ),
        naming=naming,
    )
    BackupPlan(
        "backup",
        settings=config.backup,
        cluster_arn=database.primary.cluster.arn,
        key_arn=keys.arn(KeyClass.CARDHOLDER_DATA),
        dr=(
            DrBackup(
                placement=dr.placement,
                key_arn=dr.keys.arn(KeyClass.CARDHOLDER_DATA),
                copy_primary=config.backup.cross_region_copy,
                secondary_cluster_arn=(
                    database.secondary.cluster.arn if database.secondary is not None else None
                ),
            )
            if dr is not None
            else None
        ),
        naming=naming,
        placement=home,
    )
    alerts = StageAlerts(
        "alerts",
        emails=config.alerts.emails,
        key_arn=keys.arn(KeyClass.QUEUES),
        cluster_id=database.primary.cluster.id,
        replica_lag=(
            ReplicaLagWatch(
                placement=dr.placement,
                key_arn=dr.keys.arn(KeyClass.QUEUES),
                secondary_cluster_id=database.secondary.cluster.id,
                rpo_seconds=config.dr.rpo_seconds,
            )
            if dr is not None and database.secondary is not None
            else None
        ),
        naming=naming,
        placement=home,
    )
    topic_arn = alerts.topic.topic.arn
    export_stage(ctx, account_id, keys, foundation, network, database, topic_arn, dr)
    if config.payments is not None:
        _payments(ctx, home, keys, foundation, network, database, topic_arn)


def _account_of(ids: Any, stage: str) -> str:
    if not isinstance(ids, dict) or not ids.get(stage):
        raise ValueError(f"the org stack's accountIds output has no account for {stage!r}")
    return str(ids[stage])


def _dr_site(ctx: StackContext[StageConfig], account_id: pulumi.Output[str]) -> DrSite:
    config, naming = ctx.config, ctx.naming
    region = str(config.dr.region)
    provider = account_provider(
        "account-dr",
        naming,
        account_id=account_id,
        role_name=config.account.assume_role_name,
        region=region,
    )
    placement = Placement(provider, account_id, region)
    keys = DataKeys(
        "dr-keys",
        naming=naming,
        placement=placement,
        deployer_role=config.account.assume_role_name,
        classes=DR_KEY_CLASSES,
    )
    network = Network(
        "dr-network",
        NetworkArgs(
            cidr=config.network.cidr,  # another region, never peered: the same plan is safe
            az_count=config.network.az_count,
            logs_key_arn=keys.arn(KeyClass.LOGS),
            log_retention_days=config.logs.retention_days,
            # CloudWatch Logs subscriptions are regional and the pipeline runs in the primary
            # region: the DR flow logs stay in their encrypted group for the retention period.
            subscriber=None,
            endpoints=False,
            name_suffix="-dr",
        ),
        naming=naming,
        placement=placement,
    )
    return DrSite(placement, keys, network)


def export_stage(
    ctx: StackContext[StageConfig],
    account_id: pulumi.Output[str],
    keys: DataKeys,
    foundation: AccountFoundation,
    network: Network,
    database: Database,
    topic_arn: pulumi.Output[str],
    dr: DrSite | None,
) -> None:
    cluster = database.primary.cluster
    outputs: dict[str, Any] = {
        "accountId": account_id,
        "region": ctx.config.region,
        "deployerRoleName": ctx.config.account.assume_role_name,
        "vpcId": network.vpc.id,
        "privateSubnetIds": network.private_subnet_ids,
        "lambdaSecurityGroupId": network.security_groups.lambda_group.id,
        "keyArns": keys.arns(),
        "proxyEndpoint": database.proxy.proxy.endpoint,
        "proxyResourceId": database.proxy.resource_id,
        "clusterArn": cluster.arn,
        "clusterId": cluster.id,
        "clusterResourceId": cluster.cluster_resource_id,
        "clusterEndpoint": cluster.endpoint,
        "databasePort": cluster.port,
        "masterUsername": MASTER_USERNAME,
        "masterSecretArn": database.primary.master_secret_arn,
        "alarmTopicArn": topic_arn,
        **foundation.exports,
    }
    if dr is not None and database.global_cluster is not None and database.secondary is not None:
        outputs.update(
            {
                "drRegion": dr.placement.region,
                "globalClusterId": database.global_cluster.global_cluster_identifier,
                "secondaryClusterArn": database.secondary.cluster.arn,
                "secondaryClusterId": database.secondary.cluster.id,
                "secondaryKeyArn": dr.keys.arn(KeyClass.CARDHOLDER_DATA),
            }
        )
    for key, value in outputs.items():
        pulumi.export(key, value)


def _payments(
    ctx: StackContext[StageConfig],
    home: Placement,
    keys: DataKeys,
    foundation: AccountFoundation,
    network: Network,
    database: Database,
    topic_arn: pulumi.Output[str],
) -> None:
    config = ctx.config
    assert config.payments is not None
    api_key = config.processor_api_key
    service = PaymentsService(
        "payments",
        ServiceArgs(
            settings=config.payments,
            env=ctx.identity.stage,
            stage=StageResources(
                subnet_ids=network.private_subnet_ids,
                lambda_security_group_id=network.security_groups.lambda_group.id,
                keys=KeyArns(
                    cardholder_data=keys.arn(KeyClass.CARDHOLDER_DATA),
                    logs=keys.arn(KeyClass.LOGS),
                    queues=keys.arn(KeyClass.QUEUES),
                    secrets=keys.arn(KeyClass.SECRETS),
                ),
                proxy_endpoint=database.proxy.proxy.endpoint,
                proxy_resource_id=database.proxy.resource_id,
                database_port=database.primary.cluster.port,
                master_username=MASTER_USERNAME,
                alarm_topic_arn=topic_arn,
                subscriber=foundation,
            ),
            processor_api_key=(
                pulumi.Output.secret(api_key.get_secret_value()) if api_key is not None else None
            ),
            repo_root=find_repo_root(),
            developer_stack=False,
        ),
        naming=ctx.naming,
        placement=home,
    )
    for key, value in service.outputs().items():
        pulumi.export(key, value)
