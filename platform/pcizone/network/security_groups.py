"""Security groups: the only paths are Lambda -> RDS Proxy -> Aurora, and HTTPS to endpoints.

Each rule is its own resource that names the peer group (never a CIDR), so no group accepts
traffic from 0.0.0.0/0 and the four groups can reference each other without a cycle.
PCI DSS 1.2.1, 1.3.1, 1.3.2, 1.4.1.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming
from pcizone.data.placement import Placement

POSTGRES_PORT = 5432
HTTPS_PORT = 443


@dataclass(frozen=True)
class _Path:
    name: str
    source: str
    target: str
    port: int
    why: str


# (name, source group, target group, port): each becomes one egress and one ingress rule.
PATHS = (
    _Path("lambda-to-proxy", "lambda", "proxy", POSTGRES_PORT, "payment functions to RDS Proxy"),
    _Path("proxy-to-db", "proxy", "database", POSTGRES_PORT, "RDS Proxy to Aurora"),
    _Path("lambda-to-endpoints", "lambda", "endpoints", HTTPS_PORT, "functions to AWS APIs"),
    _Path("proxy-to-endpoints", "proxy", "endpoints", HTTPS_PORT, "proxy to Secrets Manager"),
)
GROUPS = {
    "lambda": "Payment Lambda functions (no inbound traffic)",
    "proxy": "RDS Proxy (inbound from the functions only)",
    "database": "Aurora PostgreSQL (inbound from RDS Proxy only)",
    "endpoints": "Interface VPC endpoints (HTTPS from the functions and the proxy)",
}


class SecurityGroups(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        naming: Naming,
        placement: Placement,
        vpc_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:network:SecurityGroups", name, None, opts)
        tags = naming.tags(DataClass.CARDHOLDER_DATA, component="network")
        self.groups: dict[str, aws.ec2.SecurityGroup] = {
            key: aws.ec2.SecurityGroup(
                f"{name}-{key}",
                name=naming.name(key),
                description=description,
                vpc_id=vpc_id,
                revoke_rules_on_delete=True,
                tags=tags,
                opts=placement.opts(self),
            )
            for key, description in GROUPS.items()
        }
        for path in PATHS:
            source, target = self.groups[path.source], self.groups[path.target]
            # Both ends of a path: the source's egress names the target, the target's ingress
            # names the source.
            ends = (
                (aws.vpc.SecurityGroupEgressRule, "out", source, target),
                (aws.vpc.SecurityGroupIngressRule, "in", target, source),
            )
            for rule_type, direction, group, peer in ends:
                rule_type(
                    f"{name}-{path.name}-{direction}",
                    security_group_id=group.id,
                    referenced_security_group_id=peer.id,
                    ip_protocol="tcp",
                    from_port=path.port,
                    to_port=path.port,
                    description=path.why,
                    tags=tags,
                    opts=placement.opts(self),
                )
        self.lambda_group = self.groups["lambda"]
        self.proxy_group = self.groups["proxy"]
        self.database_group = self.groups["database"]
        self.endpoints_group = self.groups["endpoints"]
        self.register_outputs({key: group.id for key, group in self.groups.items()})
