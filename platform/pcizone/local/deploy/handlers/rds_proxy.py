"""RDS Proxy, its default target group and targets; its endpoint is the local PostgreSQL (no
pooling locally)."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    PutHandler,
    ResourceContext,
    as_bool,
    as_int,
    drop_none,
    first,
    ignore_missing,
    tag_list,
)
from pcizone.local.deploy.handlers.rds_common import rds_client


class Proxy(Handler):
    """RDS Proxy in the emulator; its endpoint is the local PostgreSQL (no pooling locally)."""

    type = "aws:rds/proxy:Proxy"
    replace_on = frozenset({"name", "engineFamily", "vpcSubnetIds"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = str(inputs["name"])
        proxy = rds_client(ctx).create_db_proxy(
            **drop_none(
                {
                    "DBProxyName": name,
                    "EngineFamily": inputs["engineFamily"],
                    "Auth": [
                        drop_none(
                            {
                                "Description": a.get("description"),
                                "UserName": a.get("username"),
                                "AuthScheme": a.get("authScheme"),
                                "SecretArn": a.get("secretArn"),
                                "IAMAuth": a.get("iamAuth"),
                                "ClientPasswordAuthType": a.get("clientPasswordAuthType"),
                            }
                        )
                        for a in inputs.get("auths") or []
                    ],
                    "RoleArn": inputs["roleArn"],
                    "VpcSubnetIds": list(inputs["vpcSubnetIds"]),
                    "VpcSecurityGroupIds": list(inputs.get("vpcSecurityGroupIds") or []) or None,
                    "RequireTLS": as_bool(inputs.get("requireTls")),
                    "IdleClientTimeout": as_int(inputs.get("idleClientTimeout")),
                    "DebugLogging": as_bool(inputs.get("debugLogging")),
                    "Tags": tag_list(ctx.tags(inputs)),
                }
            )
        )["DBProxy"]
        return Deployed(
            name,
            {
                "arn": proxy["DBProxyArn"],
                "endpoint": ctx.services.database().host,
                "tagsAll": ctx.tags(inputs),
            },
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(rds_client(ctx).delete_db_proxy, DBProxyName=current.id)


class ProxyDefaultTargetGroup(PutHandler):
    type = "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup"
    replace_on = frozenset({"dbProxyName"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        pool = inputs.get("connectionPoolConfig") or {}
        group = rds_client(ctx).modify_db_proxy_target_group(
            TargetGroupName="default",
            DBProxyName=inputs["dbProxyName"],
            ConnectionPoolConfig=drop_none(
                {
                    "MaxConnectionsPercent": as_int(pool.get("maxConnectionsPercent")),
                    "MaxIdleConnectionsPercent": as_int(pool.get("maxIdleConnectionsPercent")),
                    "ConnectionBorrowTimeout": as_int(pool.get("connectionBorrowTimeout")),
                    "InitQuery": pool.get("initQuery"),
                    "SessionPinningFilters": list(pool.get("sessionPinningFilters") or []) or None,
                }
            ),
        )["DBProxyTargetGroup"]
        return Deployed(
            str(inputs["dbProxyName"]), {"arn": group.get("TargetGroupArn", ""), "name": "default"}
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        # The default target group lives as long as its proxy.
        return


class ProxyTarget(Handler):
    """id `<proxy>/<target group>/<type>/<identifier>`, as pulumi-aws's."""

    type = "aws:rds/proxyTarget:ProxyTarget"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        proxy, group = str(inputs["dbProxyName"]), str(inputs["targetGroupName"])
        cluster, instance = inputs.get("dbClusterIdentifier"), inputs.get("dbInstanceIdentifier")
        targets = rds_client(ctx).register_db_proxy_targets(
            **drop_none(
                {
                    "DBProxyName": proxy,
                    "TargetGroupName": group,
                    "DBClusterIdentifiers": [cluster] if cluster else None,
                    "DBInstanceIdentifiers": [instance] if instance else None,
                }
            )
        )["DBProxyTargets"]
        target = first(targets) or {}
        kind = "TRACKED_CLUSTER" if cluster else "RDS_INSTANCE"
        standin = ctx.services.database()
        return Deployed(
            f"{proxy}/{group}/{kind}/{cluster or instance}",
            {
                "endpoint": standin.host,
                "port": standin.port,
                "rdsResourceId": target.get("RdsResourceId", cluster or instance),
                "targetArn": target.get("TargetArn", ""),
                "trackedClusterId": cluster or "",
                "type": kind,
            },
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        proxy, group, kind, identifier = current.id.split("/", 3)
        key = "DBClusterIdentifiers" if kind == "TRACKED_CLUSTER" else "DBInstanceIdentifiers"
        ignore_missing(
            rds_client(ctx).deregister_db_proxy_targets,
            DBProxyName=proxy,
            TargetGroupName=group,
            **{key: [identifier]},
        )


HANDLERS: tuple[Handler, ...] = (
    Proxy(),
    ProxyDefaultTargetGroup(),
    ProxyTarget(),
)
