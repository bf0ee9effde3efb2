"""Aurora PostgreSQL: encrypted, IAM-authenticated, TLS-only, backed up, logs exported.

One component serves the primary cluster of every stage and the secondary cluster of prod's
global database (`secondary=True`: no master user, its own key and network in the DR region).
PCI DSS 3.5.1 (storage encrypted with the cardholder-data key), 4.2.1 (rds.force_ssl,
TLS 1.2 minimum), 8.3.1/8.6.3 (IAM authentication, a managed and rotated master secret),
10.2.1 (connection logs exported), 12.10.1 (backups, deletion protection).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.config.stage_settings import AuroraSettings
from pcizone.core.naming import DataClass, Naming
from pcizone.data.placement import Placement

ENGINE = "aurora-postgresql"
MASTER_USERNAME = "pczadmin"
PORT = 5432
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
MAINTENANCE_WINDOW = "sun:04:00-sun:05:00"  # after the default backup window, never inside it
# Static and dynamic parameters alike take effect at the next reboot; a new cluster boots
# with them, so nothing is ever silently left unapplied.
CLUSTER_PARAMETERS = {
    "rds.force_ssl": "1",
    "ssl_min_protocol_version": "TLSv1.2",
    "password_encryption": "scram-sha-256",
    "log_connections": "1",
    "log_disconnections": "1",
}


def parameter_family(engine_version: str) -> str:
    return f"{ENGINE}{engine_version.split('.', 1)[0]}"


@dataclass(frozen=True)
class AuroraArgs:
    settings: AuroraSettings
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    cardholder_key_arn: pulumi.Input[str]
    secrets_key_arn: pulumi.Input[str] | None  # None for a secondary (no master user there)
    global_cluster_id: pulumi.Input[str] | None = None
    secondary: bool = False
    name_suffix: str = ""  # "-dr" for prod's secondary, so the two never share a name
    # A secondary can join the global database only once the primary has a writer instance.
    depends_on: Sequence[pulumi.Resource] = ()


class AuroraCluster(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        args: AuroraArgs,
        *,
        naming: Naming,
        placement: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:data:AuroraCluster", name, None, opts)
        settings = args.settings
        tags = naming.tags(DataClass.CARDHOLDER_DATA, component="aurora")
        base = f"aurora{args.name_suffix}"
        protect = settings.deletion_protection
        self.parameter_group = aws.rds.ClusterParameterGroup(
            f"{name}-params",
            name=naming.name(base, "params"),
            family=parameter_family(settings.engine_version),
            description="pcizone: TLS only, SCRAM passwords, connection logging",
            parameters=[
                aws.rds.ClusterParameterGroupParameterArgs(
                    name=key, value=value, apply_method="pending-reboot"
                )
                for key, value in sorted(CLUSTER_PARAMETERS.items())
            ],
            tags=tags,
            opts=placement.opts(self),
        )
        self.subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            name=naming.name(base, "subnets"),
            description="pcizone: private data subnets only",
            subnet_ids=list(args.subnet_ids),
            tags=tags,
            opts=placement.opts(self),
        )
        serverless = settings.serverless
        # RDS generates the master password and keeps it in Secrets Manager under the secrets
        # key, rotating it: no password ever passes through the program or its state. A
        # secondary cluster of a global database has no master user of its own.
        primary = not args.secondary
        self.cluster = aws.rds.Cluster(
            f"{name}-cluster",
            cluster_identifier=naming.name(base),
            engine=ENGINE,
            engine_mode="provisioned",
            engine_version=settings.engine_version,
            master_username=MASTER_USERNAME if primary else None,
            manage_master_user_password=True if primary else None,
            master_user_secret_kms_key_id=args.secrets_key_arn if primary else None,
            engine_lifecycle_support="open-source-rds-extended-support-disabled",
            allow_major_version_upgrade=False,
            apply_immediately=False,
            global_cluster_identifier=args.global_cluster_id,
            storage_encrypted=True,
            kms_key_id=args.cardholder_key_arn,
            iam_database_authentication_enabled=True,
            db_subnet_group_name=self.subnet_group.name,
            vpc_security_group_ids=[args.security_group_id],
            db_cluster_parameter_group_name=self.parameter_group.name,
            network_type="IPV4",
            port=PORT,
            backup_retention_period=settings.backup_retention_days,
            preferred_backup_window=settings.preferred_backup_window,
            preferred_maintenance_window=MAINTENANCE_WINDOW,
            copy_tags_to_snapshot=True,
            delete_automated_backups=False,
            deletion_protection=settings.deletion_protection,
            skip_final_snapshot=False,
            final_snapshot_identifier=naming.name(base, "final"),
            enabled_cloudwatch_logs_exports=["postgresql"],
            enable_http_endpoint=False,  # no Data API: every access goes through the proxy
            serverlessv2_scaling_configuration=(
                aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
                    min_capacity=serverless.min_acu, max_capacity=serverless.max_acu
                )
                if serverless is not None
                else None
            ),
            tags=tags,
            opts=placement.opts(self, depends_on=args.depends_on, protect=protect),
        )
        self.instances = [
            aws.rds.ClusterInstance(
                f"{name}-instance-{index}",
                identifier=naming.name(base, str(index)),
                cluster_identifier=self.cluster.id,
                engine=aws.rds.EngineType.AURORA_POSTGRESQL,
                engine_version=settings.engine_version,
                instance_class="db.serverless"
                if serverless is not None
                else settings.instance_class,
                db_subnet_group_name=self.subnet_group.name,
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
                apply_immediately=False,
                ca_cert_identifier=CA_CERTIFICATE,
                copy_tags_to_snapshot=True,
                performance_insights_enabled=True,
                performance_insights_kms_key_id=args.cardholder_key_arn,
                performance_insights_retention_period=settings.performance_insights_retention_days,
                preferred_maintenance_window=MAINTENANCE_WINDOW,
                promotion_tier=index,
                tags=tags,
                opts=placement.opts(self, protect=protect),
            )
            for index in range(settings.instance_count)
        ]
        self.register_outputs({"arn": self.cluster.arn, "endpoint": self.cluster.endpoint})

    @property
    def master_secret_arn(self) -> pulumi.Output[str]:
        return self.cluster.master_user_secrets.apply(_first_secret_arn)


def _first_secret_arn(secrets: Sequence[aws.rds.outputs.ClusterMasterUserSecret] | None) -> str:
    if not secrets:
        # Offline previews and emulators that omit it must not produce a policy with no ARN.
        raise ValueError("the Aurora cluster reported no managed master user secret")
    return str(secrets[0].secret_arn)
