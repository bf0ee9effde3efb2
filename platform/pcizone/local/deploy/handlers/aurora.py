"""Aurora: global clusters, clusters and their instances.

The emulator holds the metadata; the database itself is the local PostgreSQL
(`pcizone.local.postgres_standin`). Every endpoint a cluster or instance reports is that
server's address and port, so the program's Outputs (Lambda environments, for one) point at a
database that answers. The managed master secret gets a real password for that server.
"""

from __future__ import annotations

import json
from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    ResourceContext,
    as_bool,
    as_int,
    drop_none,
    ignore_missing,
    tag_list,
)
from pcizone.local.deploy.handlers.rds_common import rds_client
from pcizone.local.postgres_standin import Login, new_password


class GlobalCluster(Handler):
    type = "aws:rds/globalCluster:GlobalCluster"
    replace_on = frozenset(
        {"globalClusterIdentifier", "engine", "storageEncrypted", "sourceDbClusterIdentifier"}
    )

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        identifier = str(inputs["globalClusterIdentifier"])
        cluster = rds_client(ctx).create_global_cluster(
            **drop_none(
                {
                    "GlobalClusterIdentifier": identifier,
                    "Engine": inputs.get("engine"),
                    "EngineVersion": inputs.get("engineVersion"),
                    "StorageEncrypted": as_bool(inputs.get("storageEncrypted")),
                    "DeletionProtection": as_bool(inputs.get("deletionProtection")),
                    "DatabaseName": inputs.get("databaseName"),
                    "SourceDBClusterIdentifier": inputs.get("sourceDbClusterIdentifier"),
                }
            )
        )["GlobalCluster"]
        return Deployed(identifier, self._outputs(cluster))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        cluster = rds_client(ctx).modify_global_cluster(
            **drop_none(
                {
                    "GlobalClusterIdentifier": current.id,
                    "DeletionProtection": as_bool(inputs.get("deletionProtection")),
                    "EngineVersion": inputs.get("engineVersion")
                    if "engineVersion" in changed
                    else None,
                }
            )
        )["GlobalCluster"]
        return Deployed(current.id, self._outputs(cluster))

    def _outputs(self, cluster: dict[str, Any]) -> dict[str, Any]:
        return {
            "arn": cluster["GlobalClusterArn"],
            "globalClusterResourceId": cluster.get("GlobalClusterResourceId", ""),
            "globalClusterMembers": [
                {"dbClusterArn": m["DBClusterArn"], "isWriter": bool(m.get("IsWriter"))}
                for m in cluster.get("GlobalClusterMembers", [])
            ],
            "engineVersionActual": cluster.get("EngineVersion", ""),
            "endpoint": "",
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        client = rds_client(ctx)
        ignore_missing(
            client.modify_global_cluster,
            GlobalClusterIdentifier=current.id,
            DeletionProtection=False,
        )
        ignore_missing(client.delete_global_cluster, GlobalClusterIdentifier=current.id)


class Cluster(Handler):
    """An Aurora cluster in the emulator, mapped to the local PostgreSQL (see module doc)."""

    type = "aws:rds/cluster:Cluster"
    replace_on = frozenset(
        {
            "clusterIdentifier",
            "clusterIdentifierPrefix",
            "engine",
            "engineMode",
            "databaseName",
            "masterUsername",
            "storageEncrypted",
            "kmsKeyId",
            "dbSubnetGroupName",
            "availabilityZones",
        }
    )

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        identifier = ctx.name_or_auto(inputs, "clusterIdentifier", 63).lower()
        scaling = inputs.get("serverlessv2ScalingConfiguration") or {}
        managed = bool(as_bool(inputs.get("manageMasterUserPassword")))
        cluster = rds_client(ctx).create_db_cluster(
            **drop_none(
                {
                    "DBClusterIdentifier": identifier,
                    "Engine": inputs["engine"],
                    "EngineMode": inputs.get("engineMode"),
                    "EngineVersion": inputs.get("engineVersion"),
                    "DatabaseName": inputs.get("databaseName"),
                    "MasterUsername": inputs.get("masterUsername"),
                    "MasterUserPassword": inputs.get("masterPassword"),
                    "ManageMasterUserPassword": True if managed else None,
                    "MasterUserSecretKmsKeyId": inputs.get("masterUserSecretKmsKeyId"),
                    "DBSubnetGroupName": inputs.get("dbSubnetGroupName"),
                    "VpcSecurityGroupIds": list(inputs.get("vpcSecurityGroupIds") or []) or None,
                    "DBClusterParameterGroupName": inputs.get("dbClusterParameterGroupName"),
                    "StorageEncrypted": as_bool(inputs.get("storageEncrypted")),
                    "KmsKeyId": inputs.get("kmsKeyId"),
                    "Port": as_int(inputs.get("port")),
                    "BackupRetentionPeriod": as_int(inputs.get("backupRetentionPeriod")),
                    "PreferredBackupWindow": inputs.get("preferredBackupWindow"),
                    "PreferredMaintenanceWindow": inputs.get("preferredMaintenanceWindow"),
                    "CopyTagsToSnapshot": as_bool(inputs.get("copyTagsToSnapshot")),
                    "DeletionProtection": as_bool(inputs.get("deletionProtection")),
                    "EnableIAMDatabaseAuthentication": as_bool(
                        inputs.get("iamDatabaseAuthenticationEnabled")
                    ),
                    "EnableCloudwatchLogsExports": list(
                        inputs.get("enabledCloudwatchLogsExports") or []
                    )
                    or None,
                    "EnableHttpEndpoint": as_bool(inputs.get("enableHttpEndpoint")),
                    "GlobalClusterIdentifier": inputs.get("globalClusterIdentifier"),
                    "NetworkType": inputs.get("networkType"),
                    "EngineLifecycleSupport": inputs.get("engineLifecycleSupport"),
                    "ServerlessV2ScalingConfiguration": drop_none(
                        {
                            "MinCapacity": scaling.get("minCapacity"),
                            "MaxCapacity": scaling.get("maxCapacity"),
                        }
                    )
                    or None,
                    "Tags": tag_list(ctx.tags(inputs)),
                }
            )
        )["DBCluster"]
        self._map(ctx, cluster, inputs, fresh=True)
        return Deployed(identifier, self._outputs(ctx, cluster, inputs))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        scaling = inputs.get("serverlessv2ScalingConfiguration") or {}
        cluster = rds_client(ctx).modify_db_cluster(
            **drop_none(
                {
                    "DBClusterIdentifier": current.id,
                    "ApplyImmediately": True,
                    "EngineVersion": inputs.get("engineVersion")
                    if "engineVersion" in changed
                    else None,
                    "BackupRetentionPeriod": as_int(inputs.get("backupRetentionPeriod")),
                    "PreferredBackupWindow": inputs.get("preferredBackupWindow"),
                    "PreferredMaintenanceWindow": inputs.get("preferredMaintenanceWindow"),
                    "DeletionProtection": as_bool(inputs.get("deletionProtection")),
                    "CopyTagsToSnapshot": as_bool(inputs.get("copyTagsToSnapshot")),
                    "VpcSecurityGroupIds": list(inputs.get("vpcSecurityGroupIds") or []) or None,
                    "DBClusterParameterGroupName": inputs.get("dbClusterParameterGroupName"),
                    "EnableIAMDatabaseAuthentication": as_bool(
                        inputs.get("iamDatabaseAuthenticationEnabled")
                    ),
                    "ServerlessV2ScalingConfiguration": drop_none(
                        {
                            "MinCapacity": scaling.get("minCapacity"),
                            "MaxCapacity": scaling.get("maxCapacity"),
                        }
                    )
                    or None,
                }
            )
        )["DBCluster"]
        self._map(ctx, cluster, inputs, fresh=False)
        return Deployed(current.id, self._outputs(ctx, cluster, inputs))

    def ensure(self, ctx: ResourceContext, current: Deployed, inputs: dict[str, Any]) -> None:
        cluster = rds_client(ctx).describe_db_clusters(DBClusterIdentifier=current.id)[
            "DBClusters"
        ][0]
        self._map(ctx, cluster, inputs, fresh=False)

    def _map(
        self, ctx: ResourceContext, cluster: dict[str, Any], inputs: dict[str, Any], *, fresh: bool
    ) -> None:
        """Give the master user a login on the local PostgreSQL with the secret's password."""
        user = inputs.get("masterUsername")
        if not user:
            return  # a secondary cluster of a global database has no master user of its own
        secret = (cluster.get("MasterUserSecret") or {}).get("SecretArn")
        if inputs.get("masterPassword"):
            password = str(inputs["masterPassword"])
        elif secret:
            password = self._managed_password(ctx, secret, str(user), fresh=fresh)
        else:
            raise ValueError("an Aurora cluster needs masterPassword or manageMasterUserPassword")
        ctx.services.database().map_cluster(
            cluster["DBClusterIdentifier"], Login(str(user), password)
        )

    def _managed_password(
        self, ctx: ResourceContext, secret: str, user: str, *, fresh: bool
    ) -> str:
        """RDS writes {"username", "password"} into the managed secret; the emulator writes a
        fixed placeholder, so a new cluster's secret gets a generated password here."""
        client = ctx.client("secretsmanager")
        if not fresh:
            value = json.loads(client.get_secret_value(SecretId=secret)["SecretString"])
            if value.get("username") == user and value.get("password"):
                return str(value["password"])
        password = new_password()
        client.put_secret_value(
            SecretId=secret, SecretString=json.dumps({"username": user, "password": password})
        )
        return password

    def _outputs(
        self, ctx: ResourceContext, cluster: dict[str, Any], inputs: dict[str, Any]
    ) -> dict[str, Any]:
        standin = ctx.services.database()
        secret = cluster.get("MasterUserSecret")
        return {
            "clusterIdentifier": cluster["DBClusterIdentifier"],
            "arn": cluster["DBClusterArn"],
            "clusterResourceId": cluster.get("DbClusterResourceId", ""),
            "endpoint": standin.host,
            "readerEndpoint": standin.host,
            "port": standin.port,
            "hostedZoneId": cluster.get("HostedZoneId", ""),
            "engineVersionActual": cluster.get("EngineVersion", ""),
            "availabilityZones": list(cluster.get("AvailabilityZones", [])),
            "clusterMembers": [
                m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", [])
            ],
            "masterUserSecrets": [
                {
                    "secretArn": secret["SecretArn"],
                    "secretStatus": secret.get("SecretStatus", "active"),
                    "kmsKeyId": secret.get("KmsKeyId", ""),
                }
            ]
            if secret
            else [],
            "tagsAll": ctx.tags(inputs),
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        client = rds_client(ctx)
        # The local cloud is discarded on purpose: no final snapshot, protection lifted first.
        ignore_missing(
            client.modify_db_cluster,
            DBClusterIdentifier=current.id,
            DeletionProtection=False,
            ApplyImmediately=True,
        )
        ignore_missing(
            client.delete_db_cluster, DBClusterIdentifier=current.id, SkipFinalSnapshot=True
        )


class ClusterInstance(Handler):
    type = "aws:rds/clusterInstance:ClusterInstance"
    replace_on = frozenset({"identifier", "identifierPrefix", "clusterIdentifier", "engine"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        identifier = ctx.name_or_auto(inputs, "identifier", 63).lower()
        instance = rds_client(ctx).create_db_instance(
            **drop_none(
                {
                    "DBInstanceIdentifier": identifier,
                    "DBClusterIdentifier": inputs["clusterIdentifier"],
                    "Engine": inputs["engine"],
                    "EngineVersion": inputs.get("engineVersion"),
                    "DBInstanceClass": inputs["instanceClass"],
                    "DBSubnetGroupName": inputs.get("dbSubnetGroupName"),
                    "DBParameterGroupName": inputs.get("dbParameterGroupName"),
                    "PubliclyAccessible": as_bool(inputs.get("publiclyAccessible")),
                    "AutoMinorVersionUpgrade": as_bool(inputs.get("autoMinorVersionUpgrade")),
                    "CACertificateIdentifier": inputs.get("caCertIdentifier"),
                    "CopyTagsToSnapshot": as_bool(inputs.get("copyTagsToSnapshot")),
                    "EnablePerformanceInsights": as_bool(inputs.get("performanceInsightsEnabled")),
                    "PerformanceInsightsKMSKeyId": inputs.get("performanceInsightsKmsKeyId"),
                    "PerformanceInsightsRetentionPeriod": as_int(
                        inputs.get("performanceInsightsRetentionPeriod")
                    ),
                    "MonitoringInterval": as_int(inputs.get("monitoringInterval")),
                    "MonitoringRoleArn": inputs.get("monitoringRoleArn"),
                    "PreferredMaintenanceWindow": inputs.get("preferredMaintenanceWindow"),
                    "PromotionTier": as_int(inputs.get("promotionTier")),
                    "Tags": tag_list(ctx.tags(inputs)),
                }
            )
        )["DBInstance"]
        return Deployed(identifier, self._outputs(ctx, instance, inputs))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        instance = rds_client(ctx).modify_db_instance(
            **drop_none(
                {
                    "DBInstanceIdentifier": current.id,
                    "ApplyImmediately": True,
                    "DBInstanceClass": inputs.get("instanceClass"),
                    "AutoMinorVersionUpgrade": as_bool(inputs.get("autoMinorVersionUpgrade")),
                    "CACertificateIdentifier": inputs.get("caCertIdentifier"),
                    "PreferredMaintenanceWindow": inputs.get("preferredMaintenanceWindow"),
                    "PromotionTier": as_int(inputs.get("promotionTier")),
                }
            )
        )["DBInstance"]
        return Deployed(current.id, self._outputs(ctx, instance, inputs))

    def _outputs(
        self, ctx: ResourceContext, instance: dict[str, Any], inputs: dict[str, Any]
    ) -> dict[str, Any]:
        standin = ctx.services.database()
        return {
            "identifier": instance["DBInstanceIdentifier"],
            "arn": instance["DBInstanceArn"],
            "dbiResourceId": instance.get("DbiResourceId", ""),
            "endpoint": standin.host,
            "port": standin.port,
            "writer": as_int(inputs.get("promotionTier")) in (None, 0),
            "storageEncrypted": True,
            "kmsKeyId": instance.get("KmsKeyId", ""),
            "tagsAll": ctx.tags(inputs),
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(
            rds_client(ctx).delete_db_instance,
            DBInstanceIdentifier=current.id,
            SkipFinalSnapshot=True,
        )


HANDLERS: tuple[Handler, ...] = (
    GlobalCluster(),
    Cluster(),
    ClusterInstance(),
)
