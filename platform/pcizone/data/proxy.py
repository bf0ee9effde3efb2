"""RDS Proxy: the only way into Aurora. IAM authentication and TLS are required.

End-to-end IAM (`default_auth_scheme=IAM_AUTH`): each service's database user authenticates
to the proxy with an IAM token and the proxy reaches Aurora as that user with IAM too, so no
per-user password exists anywhere. The master user is the one exception: the proxy holds its
RDS-managed secret, and clients (the migrators only) still reach it with an IAM token.
PCI DSS 8.3.1, 8.3.2, 8.6.2, 4.2.1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming, PrincipalType
from pcizone.data.aurora import MASTER_USERNAME
from pcizone.data.placement import Placement
from pcizone.data.policy_documents import allow, document, service_trust

# Every service database user the platform creates starts with this (see payments_deploy).
DB_USER_PREFIX = "pcz_"


def proxy_resource_id(proxy_arn: str) -> str:
    """`prx-...` from `arn:aws:rds:<region>:<account>:db-proxy:prx-...` (rds-db ARNs use it)."""
    marker = ":db-proxy:"
    if marker not in proxy_arn:
        raise ValueError(f"not an RDS Proxy ARN: {proxy_arn!r}")
    return proxy_arn.rsplit(marker, 1)[1]


@dataclass(frozen=True)
class ProxyArgs:
    cluster_id: pulumi.Input[str]
    cluster_resource_id: pulumi.Input[str]
    instances: Sequence[pulumi.Resource]
    master_secret_arn: pulumi.Input[str]
    secrets_key_arn: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]


class DatabaseProxy(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        args: ProxyArgs,
        *,
        naming: Naming,
        placement: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:data:DatabaseProxy", name, None, opts)
        tags = naming.tags(DataClass.CARDHOLDER_DATA, component="aurora")
        self.role = aws.iam.Role(
            f"{name}-role",
            name=naming.name("rds-proxy"),
            description="RDS Proxy: reads the master secret, connects service users with IAM",
            assume_role_policy=service_trust("rds.amazonaws.com"),
            max_session_duration=3600,
            tags=naming.tags(
                DataClass.CARDHOLDER_DATA, component="aurora", principal=PrincipalType.WORKLOAD
            ),
            opts=placement.opts(self),
        )
        service_users = pulumi.Output.concat(
            "arn:aws:rds-db:",
            placement.region,
            ":",
            placement.account_id,
            ":dbuser:",
            args.cluster_resource_id,
            f"/{DB_USER_PREFIX}*",
        )
        aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=self.role.id,
            name="rds-proxy",
            policy=document(
                [
                    allow(
                        "ReadMasterSecret",
                        ["secretsmanager:GetSecretValue"],
                        [args.master_secret_arn],
                    ),
                    allow(
                        "DecryptMasterSecret",
                        ["kms:Decrypt"],
                        [args.secrets_key_arn],
                        {
                            "StringEquals": {
                                "kms:ViaService": placement.service_host("secretsmanager")
                            }
                        },
                    ),
                    # Developer stacks add their users after this stack: the prefix is the
                    # narrowest scope that covers them, and only users of this one cluster.
                    allow("ConnectServiceUsers", ["rds-db:connect"], [service_users]),
                ]
            ),
            opts=placement.opts(self),
        )
        self.proxy = aws.rds.Proxy(
            f"{name}-proxy",
            name=naming.name("proxy"),
            engine_family="POSTGRESQL",
            role_arn=self.role.arn,
            vpc_subnet_ids=list(args.subnet_ids),
            vpc_security_group_ids=[args.security_group_id],
            require_tls=True,
            debug_logging=False,  # would log SQL text
            idle_client_timeout=1800,
            default_auth_scheme="IAM_AUTH",
            endpoint_network_type="IPV4",
            target_connection_network_type="IPV4",
            auths=[
                aws.rds.ProxyAuthArgs(
                    description=f"{MASTER_USERNAME}: schema migrations only",
                    auth_scheme="SECRETS",
                    secret_arn=args.master_secret_arn,
                    iam_auth="REQUIRED",
                    client_password_auth_type="POSTGRES_SCRAM_SHA_256",  # noqa: S106 (a scheme name)
                )
            ],
            tags=tags,
            opts=placement.opts(self),
        )
        aws.rds.ProxyDefaultTargetGroup(
            f"{name}-pool",
            db_proxy_name=self.proxy.name,
            connection_pool_config=aws.rds.ProxyDefaultTargetGroupConnectionPoolConfigArgs(
                max_connections_percent=90,
                max_idle_connections_percent=10,
                connection_borrow_timeout=30,
                session_pinning_filters=[],
            ),
            opts=placement.opts(self),
        )
        aws.rds.ProxyTarget(
            f"{name}-target",
            db_proxy_name=self.proxy.name,
            target_group_name="default",
            db_cluster_identifier=args.cluster_id,
            # The proxy can register a cluster only once one of its instances is available.
            opts=placement.opts(self, depends_on=list(args.instances)),
        )
        self.resource_id = self.proxy.arn.apply(proxy_resource_id)
        self.register_outputs({"endpoint": self.proxy.endpoint})
