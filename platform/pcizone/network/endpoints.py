"""VPC endpoints: the private subnets reach AWS APIs without any route to the internet.

Each endpoint policy admits only principals of this account (an identity perimeter), so a
stolen credential from elsewhere cannot use the endpoint to move data out. PCI DSS 1.3.2,
1.4.1.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming
from pcizone.data.placement import Placement
from pcizone.data.policy_documents import document

# Services the payment functions and RDS Proxy call: queues, keys, the processor secret,
# logs, and STS (SDK credential and identity calls).
INTERFACE_SERVICES = ("sqs", "kms", "secretsmanager", "logs", "sts")
GATEWAY_SERVICES = ("s3",)


def endpoint_policy(
    service: str, account_id: pulumi.Input[str], *, same_account_resources: bool
) -> pulumi.Output[str]:
    condition = {"StringEquals": {"aws:PrincipalAccount": account_id}}
    if same_account_resources:
        condition["StringEquals"] = {
            "aws:PrincipalAccount": account_id,
            "aws:ResourceAccount": account_id,
        }
    return document(
        [
            {
                "Sid": "OnlyThisAccount",
                "Effect": "Allow",
                "Principal": "*",
                "Action": f"{service}:*",
                "Resource": "*",
                "Condition": condition,
            }
        ]
    )


class Endpoints(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        naming: Naming,
        placement: Placement,
        vpc_id: pulumi.Input[str],
        subnet_ids: Sequence[pulumi.Input[str]],
        route_table_ids: Sequence[pulumi.Input[str]],
        security_group_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:network:Endpoints", name, None, opts)
        tags = naming.tags(DataClass.CARDHOLDER_DATA, component="network")
        self.endpoints: dict[str, aws.ec2.VpcEndpoint] = {}
        for service in INTERFACE_SERVICES:
            self.endpoints[service] = aws.ec2.VpcEndpoint(
                f"{name}-{service}",
                vpc_id=vpc_id,
                service_name=f"com.amazonaws.{placement.region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                ip_address_type="ipv4",
                subnet_ids=list(subnet_ids),
                security_group_ids=[security_group_id],
                policy=endpoint_policy(service, placement.account_id, same_account_resources=False),
                tags={**tags, "Name": naming.name("vpce", service)},
                opts=placement.opts(self),
            )
        for service in GATEWAY_SERVICES:
            # S3 buckets are global names: also pin the bucket's account, not only the caller's.
            self.endpoints[service] = aws.ec2.VpcEndpoint(
                f"{name}-{service}",
                vpc_id=vpc_id,
                service_name=f"com.amazonaws.{placement.region}.{service}",
                vpc_endpoint_type="Gateway",
                route_table_ids=list(route_table_ids),
                policy=endpoint_policy(service, placement.account_id, same_account_resources=True),
                tags={**tags, "Name": naming.name("vpce", service)},
                opts=placement.opts(self),
            )
        self.register_outputs({k: v.id for k, v in self.endpoints.items()})
