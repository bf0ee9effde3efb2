"""The stage's database: Aurora behind RDS Proxy and, in prod, a global database whose
secondary cluster runs in the DR region (the drills fail over to it; PCI DSS 12.10.1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.config.stage_settings import AuroraSettings
from pcizone.core.naming import DataClass, Naming
from pcizone.data.aurora import ENGINE, AuroraArgs, AuroraCluster
from pcizone.data.placement import Placement
from pcizone.data.proxy import DatabaseProxy, ProxyArgs


@dataclass(frozen=True)
class DatabaseSite:
    """Where one cluster lives: its region's placement, private subnets, group and keys."""

    placement: Placement
    subnet_ids: Sequence[pulumi.Input[str]]
    database_security_group_id: pulumi.Input[str]
    cardholder_key_arn: pulumi.Input[str]


@dataclass(frozen=True)
class DatabaseArgs:
    settings: AuroraSettings
    primary: DatabaseSite
    proxy_security_group_id: pulumi.Input[str]
    secrets_key_arn: pulumi.Input[str]
    secondary: DatabaseSite | None = None


class Database(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        args: DatabaseArgs,
        *,
        naming: Naming,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:data:Database", name, None, opts)
        settings = args.settings
        home = args.primary.placement
        child = pulumi.ResourceOptions(parent=self)
        self.global_cluster: aws.rds.GlobalCluster | None = None
        if args.secondary is not None:
            self.global_cluster = aws.rds.GlobalCluster(
                f"{name}-global",
                global_cluster_identifier=naming.name("aurora-global"),
                engine=ENGINE,
                engine_version=settings.engine_version,
                engine_lifecycle_support="open-source-rds-extended-support-disabled",
                storage_encrypted=True,
                deletion_protection=settings.deletion_protection,
                force_destroy=False,
                tags=naming.tags(DataClass.CARDHOLDER_DATA, component="aurora"),
                opts=home.opts(self, protect=settings.deletion_protection),
            )
        self.primary = AuroraCluster(
            f"{name}-primary",
            AuroraArgs(
                settings=settings,
                subnet_ids=args.primary.subnet_ids,
                security_group_id=args.primary.database_security_group_id,
                cardholder_key_arn=args.primary.cardholder_key_arn,
                secrets_key_arn=args.secrets_key_arn,
                global_cluster_id=(
                    self.global_cluster.global_cluster_identifier if self.global_cluster else None
                ),
            ),
            naming=naming,
            placement=home,
            opts=child,
        )
        self.proxy = DatabaseProxy(
            f"{name}-proxy",
            ProxyArgs(
                cluster_id=self.primary.cluster.id,
                cluster_resource_id=self.primary.cluster.cluster_resource_id,
                instances=self.primary.instances,
                master_secret_arn=self.primary.master_secret_arn,
                secrets_key_arn=args.secrets_key_arn,
                subnet_ids=args.primary.subnet_ids,
                security_group_id=args.proxy_security_group_id,
            ),
            naming=naming,
            placement=home,
            opts=child,
        )
        self.secondary: AuroraCluster | None = None
        if args.secondary is not None and self.global_cluster is not None:
            self.secondary = AuroraCluster(
                f"{name}-secondary",
                AuroraArgs(
                    settings=settings,
                    subnet_ids=args.secondary.subnet_ids,
                    security_group_id=args.secondary.database_security_group_id,
                    cardholder_key_arn=args.secondary.cardholder_key_arn,
                    secrets_key_arn=None,
                    global_cluster_id=self.global_cluster.global_cluster_identifier,
                    secondary=True,
                    name_suffix="-dr",
                    depends_on=self.primary.instances,
                ),
                naming=naming,
                placement=args.secondary.placement,
                opts=child,
            )
        self.register_outputs({"clusterArn": self.primary.cluster.arn})
