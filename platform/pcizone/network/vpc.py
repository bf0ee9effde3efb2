"""The stage's network: a VPC with private subnets only (no internet gateway, no NAT).

The data subnets' route tables hold only the VPC's local route and the S3 gateway endpoint's
prefix list: nothing in them can reach or be reached from the internet. AWS APIs are reached
through interface endpoints. PCI DSS 1.3.1, 1.3.2, 1.4.1, 1.4.4.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming
from pcizone.data.log_groups import LogSubscriber
from pcizone.data.placement import Placement
from pcizone.network.endpoints import Endpoints
from pcizone.network.flow_logs import FlowLogs
from pcizone.network.security_groups import SecurityGroups
from pcizone.network.subnets import private_subnet_cidrs


@dataclass(frozen=True)
class NetworkArgs:
    cidr: str
    az_count: int
    logs_key_arn: pulumi.Input[str]
    log_retention_days: int
    subscriber: LogSubscriber | None
    # The DR region's network holds only the secondary cluster: no functions, no endpoints.
    endpoints: bool = True
    # IAM names are global: a second network in the same account (prod's DR region) needs one.
    name_suffix: str = ""


class Network(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        args: NetworkArgs,
        *,
        naming: Naming,
        placement: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:network:Network", name, None, opts)
        tags = naming.tags(DataClass.CARDHOLDER_DATA, component="network")
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_support=True,  # private DNS of the interface endpoints needs both
            enable_dns_hostnames=True,
            instance_tenancy="default",
            tags={**tags, "Name": naming.name("vpc")},
            opts=placement.opts(self),
        )
        # The default group is never used: strip every rule so nothing lands in it by accident.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self.vpc.id,
            ingress=[],
            egress=[],
            tags={**tags, "Name": naming.name("default-unused")},
            opts=placement.opts(self),
        )
        zones = aws.get_availability_zones_output(
            state="available", opts=placement.invoke_opts(self)
        )
        self.subnets: list[aws.ec2.Subnet] = []
        self.route_tables: list[aws.ec2.RouteTable] = []
        for index, cidr in enumerate(private_subnet_cidrs(args.cidr, args.az_count)):
            subnet = aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone=zones.names[index],
                map_public_ip_on_launch=False,
                assign_ipv6_address_on_creation=False,
                tags={**tags, "Name": naming.name("private", str(index)), "tier": "data"},
                opts=placement.opts(self),
            )
            # routes=[] is explicit: the table holds the local route and nothing else.
            table = aws.ec2.RouteTable(
                f"{name}-private-{index}-routes",
                vpc_id=self.vpc.id,
                routes=[],
                tags={**tags, "Name": naming.name("private", str(index))},
                opts=placement.opts(self),
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{index}-routes",
                subnet_id=subnet.id,
                route_table_id=table.id,
                opts=placement.opts(self),
            )
            self.subnets.append(subnet)
            self.route_tables.append(table)
        self.security_groups = SecurityGroups(
            f"{name}-sg",
            naming=naming,
            placement=placement,
            vpc_id=self.vpc.id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.endpoints = (
            Endpoints(
                f"{name}-endpoints",
                naming=naming,
                placement=placement,
                vpc_id=self.vpc.id,
                subnet_ids=[s.id for s in self.subnets],
                route_table_ids=[t.id for t in self.route_tables],
                security_group_id=self.security_groups.endpoints_group.id,
                opts=pulumi.ResourceOptions(parent=self),
            )
            if args.endpoints
            else None
        )
        self.flow_logs = FlowLogs(
            f"{name}-flow-logs",
            naming=naming,
            placement=placement,
            vpc_id=self.vpc.id,
            logs_key_arn=args.logs_key_arn,
            retention_days=args.log_retention_days,
            subscriber=args.subscriber,
            role_name=naming.name(f"flow-logs{args.name_suffix}"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in self.subnets])
        self.register_outputs({"vpcId": self.vpc.id, "privateSubnetIds": self.private_subnet_ids})
