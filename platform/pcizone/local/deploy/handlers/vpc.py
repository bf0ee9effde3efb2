"""The VPC and what is in it: subnets, route tables, endpoints, flow logs (stored by the
emulator; no traffic flows)."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    ReplaceNeeded,
    ResourceContext,
    as_bool,
    as_int,
    as_json,
    drop_none,
    ignore_missing,
)
from pcizone.local.deploy.handlers.ec2_common import ec2_client, retag, tag_specifications


class Vpc(Handler):
    type = "aws:ec2/vpc:Vpc"
    replace_on = frozenset({"cidrBlock", "instanceTenancy", "ipv4IpamPoolId"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        client = ec2_client(ctx)
        vpc = client.create_vpc(
            CidrBlock=inputs["cidrBlock"],
            InstanceTenancy=inputs.get("instanceTenancy") or "default",
            TagSpecifications=tag_specifications(ctx, "vpc", inputs),
        )["Vpc"]
        vpc_id = vpc["VpcId"]
        self._attributes(ctx, vpc_id, inputs)
        return Deployed(vpc_id, self._outputs(ctx, vpc, inputs))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        self._attributes(ctx, current.id, inputs)
        return Deployed(current.id, {**current.outputs, "tagsAll": retag(ctx, current.id, inputs)})

    def _attributes(self, ctx: ResourceContext, vpc_id: str, inputs: dict[str, Any]) -> None:
        client = ec2_client(ctx)
        # One attribute per call, as the API requires; DNS support defaults on, hostnames off.
        support = as_bool(inputs.get("enableDnsSupport"))
        hostnames = as_bool(inputs.get("enableDnsHostnames"))
        client.modify_vpc_attribute(
            VpcId=vpc_id, EnableDnsSupport={"Value": True if support is None else support}
        )
        client.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": bool(hostnames)})

    def _outputs(
        self, ctx: ResourceContext, vpc: dict[str, Any], inputs: dict[str, Any]
    ) -> dict[str, Any]:
        client = ec2_client(ctx)
        vpc_id = vpc["VpcId"]
        by_vpc = {"Name": "vpc-id", "Values": [vpc_id]}
        group = client.describe_security_groups(
            Filters=[by_vpc, {"Name": "group-name", "Values": ["default"]}]
        )["SecurityGroups"][0]["GroupId"]
        table = client.describe_route_tables(
            Filters=[by_vpc, {"Name": "association.main", "Values": ["true"]}]
        )["RouteTables"][0]["RouteTableId"]
        acl = client.describe_network_acls(
            Filters=[by_vpc, {"Name": "default", "Values": ["true"]}]
        )["NetworkAcls"][0]["NetworkAclId"]
        return {
            "arn": ctx.arn("ec2", f"vpc/{vpc_id}"),
            "ownerId": vpc.get("OwnerId", ctx.account),
            "dhcpOptionsId": vpc.get("DhcpOptionsId", ""),
            "defaultSecurityGroupId": group,
            "defaultRouteTableId": table,
            "mainRouteTableId": table,
            "defaultNetworkAclId": acl,
            "tagsAll": ctx.tags(inputs),
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(ec2_client(ctx).delete_vpc, VpcId=current.id)


class Subnet(Handler):
    type = "aws:ec2/subnet:Subnet"
    replace_on = frozenset({"vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        subnet = ec2_client(ctx).create_subnet(
            **drop_none(
                {
                    "VpcId": inputs["vpcId"],
                    "CidrBlock": inputs["cidrBlock"],
                    "AvailabilityZone": inputs.get("availabilityZone"),
                    "AvailabilityZoneId": inputs.get("availabilityZoneId"),
                    "TagSpecifications": tag_specifications(ctx, "subnet", inputs),
                }
            )
        )["Subnet"]
        subnet_id = subnet["SubnetId"]
        self._attributes(ctx, subnet_id, inputs)
        return Deployed(
            subnet_id,
            {
                "arn": subnet.get("SubnetArn") or ctx.arn("ec2", f"subnet/{subnet_id}"),
                "ownerId": subnet.get("OwnerId", ctx.account),
                "availabilityZone": subnet["AvailabilityZone"],
                "availabilityZoneId": subnet.get("AvailabilityZoneId", ""),
                "tagsAll": ctx.tags(inputs),
            },
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        self._attributes(ctx, current.id, inputs)
        return Deployed(current.id, {**current.outputs, "tagsAll": retag(ctx, current.id, inputs)})

    def _attributes(self, ctx: ResourceContext, subnet_id: str, inputs: dict[str, Any]) -> None:
        ec2_client(ctx).modify_subnet_attribute(
            SubnetId=subnet_id,
            MapPublicIpOnLaunch={"Value": bool(as_bool(inputs.get("mapPublicIpOnLaunch")))},
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(ec2_client(ctx).delete_subnet, SubnetId=current.id)


class RouteTable(Handler):
    type = "aws:ec2/routeTable:RouteTable"
    replace_on = frozenset({"vpcId"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        client = ec2_client(ctx)
        table = client.create_route_table(
            VpcId=inputs["vpcId"], TagSpecifications=tag_specifications(ctx, "route-table", inputs)
        )["RouteTable"]
        table_id = table["RouteTableId"]
        for route in inputs.get("routes") or []:
            client.create_route(RouteTableId=table_id, **_route(route))
        return Deployed(
            table_id,
            {
                "arn": ctx.arn("ec2", f"route-table/{table_id}"),
                "ownerId": table.get("OwnerId", ctx.account),
                "tagsAll": ctx.tags(inputs),
            },
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        if "routes" in changed:
            raise ReplaceNeeded
        return Deployed(current.id, {**current.outputs, "tagsAll": retag(ctx, current.id, inputs)})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(ec2_client(ctx).delete_route_table, RouteTableId=current.id)


def _route(route: dict[str, Any]) -> dict[str, Any]:
    return drop_none(
        {
            "DestinationCidrBlock": route.get("cidrBlock"),
            "DestinationIpv6CidrBlock": route.get("ipv6CidrBlock"),
            "DestinationPrefixListId": route.get("destinationPrefixListId"),
            "GatewayId": route.get("gatewayId"),
            "NatGatewayId": route.get("natGatewayId"),
            "VpcEndpointId": route.get("vpcEndpointId"),
            "TransitGatewayId": route.get("transitGatewayId"),
            "NetworkInterfaceId": route.get("networkInterfaceId"),
        }
    )


class RouteTableAssociation(Handler):
    type = "aws:ec2/routeTableAssociation:RouteTableAssociation"
    replace_on = frozenset({"subnetId", "gatewayId"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        association = ec2_client(ctx).associate_route_table(
            **drop_none(
                {
                    "RouteTableId": inputs["routeTableId"],
                    "SubnetId": inputs.get("subnetId"),
                    "GatewayId": inputs.get("gatewayId"),
                }
            )
        )["AssociationId"]
        return Deployed(association)

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        new_id = ec2_client(ctx).replace_route_table_association(
            AssociationId=current.id, RouteTableId=inputs["routeTableId"]
        )["NewAssociationId"]
        return Deployed(new_id)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(ec2_client(ctx).disassociate_route_table, AssociationId=current.id)


class VpcEndpoint(Handler):
    type = "aws:ec2/vpcEndpoint:VpcEndpoint"
    replace_on = frozenset({"vpcId", "serviceName", "vpcEndpointType"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        endpoint_type = inputs.get("vpcEndpointType") or "Gateway"
        endpoint = ec2_client(ctx).create_vpc_endpoint(
            **drop_none(
                {
                    "VpcId": inputs["vpcId"],
                    "ServiceName": inputs["serviceName"],
                    "VpcEndpointType": endpoint_type,
                    "PolicyDocument": as_json(inputs.get("policy")),
                    "SubnetIds": list(inputs.get("subnetIds") or []) or None,
                    "SecurityGroupIds": list(inputs.get("securityGroupIds") or []) or None,
                    "RouteTableIds": list(inputs.get("routeTableIds") or []) or None,
                    "PrivateDnsEnabled": as_bool(inputs.get("privateDnsEnabled"))
                    if endpoint_type == "Interface"
                    else None,
                    "IpAddressType": inputs.get("ipAddressType"),
                    "TagSpecifications": tag_specifications(ctx, "vpc-endpoint", inputs),
                }
            )
        )["VpcEndpoint"]
        endpoint_id = endpoint["VpcEndpointId"]
        return Deployed(endpoint_id, self._outputs(ctx, endpoint, inputs))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        client = ec2_client(ctx)
        if "policy" in changed:
            if inputs.get("policy"):
                client.modify_vpc_endpoint(
                    VpcEndpointId=current.id, PolicyDocument=as_json(inputs["policy"])
                )
            else:
                client.modify_vpc_endpoint(VpcEndpointId=current.id, ResetPolicy=True)
        if changed & {"subnetIds", "securityGroupIds", "routeTableIds", "privateDnsEnabled"}:
            raise ReplaceNeeded
        return Deployed(current.id, {**current.outputs, "tagsAll": retag(ctx, current.id, inputs)})

    def _outputs(
        self, ctx: ResourceContext, endpoint: dict[str, Any], inputs: dict[str, Any]
    ) -> dict[str, Any]:
        endpoint_id = endpoint["VpcEndpointId"]
        prefix = ""
        if (inputs.get("vpcEndpointType") or "Gateway") == "Gateway":
            lists = ec2_client(ctx).describe_prefix_lists(
                Filters=[{"Name": "prefix-list-name", "Values": [inputs["serviceName"]]}]
            )["PrefixLists"]
            prefix = lists[0]["PrefixListId"] if lists else ""
        return {
            "arn": ctx.arn("ec2", f"vpc-endpoint/{endpoint_id}"),
            "ownerId": endpoint.get("OwnerId", ctx.account),
            "state": endpoint.get("State", "available"),
            "dnsEntries": [
                {"dnsName": d.get("DnsName", ""), "hostedZoneId": d.get("HostedZoneId", "")}
                for d in endpoint.get("DnsEntries", [])
            ],
            "networkInterfaceIds": list(endpoint.get("NetworkInterfaceIds", [])),
            "prefixListId": prefix,
            "cidrBlocks": [],
            "requesterManaged": False,
            "tagsAll": ctx.tags(inputs),
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(ec2_client(ctx).delete_vpc_endpoints, VpcEndpointIds=[current.id])


class FlowLog(Handler):
    type = "aws:ec2/flowLog:FlowLog"
    replace_on = frozenset(
        {
            "vpcId",
            "subnetId",
            "eniId",
            "trafficType",
            "logDestination",
            "logDestinationType",
            "iamRoleArn",
            "maxAggregationInterval",
            "logFormat",
        }
    )

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        kinds = (("vpcId", "VPC"), ("subnetId", "Subnet"), ("eniId", "NetworkInterface"))
        resource_id, kind = next((inputs[k], t) for k, t in kinds if inputs.get(k))
        result = ec2_client(ctx).create_flow_logs(
            **drop_none(
                {
                    "ResourceIds": [resource_id],
                    "ResourceType": kind,
                    "TrafficType": inputs.get("trafficType") or "ALL",
                    "LogDestinationType": inputs.get("logDestinationType") or "cloud-watch-logs",
                    "LogDestination": inputs.get("logDestination"),
                    "DeliverLogsPermissionArn": inputs.get("iamRoleArn"),
                    "MaxAggregationInterval": as_int(inputs.get("maxAggregationInterval")),
                    "LogFormat": inputs.get("logFormat"),
                    "TagSpecifications": tag_specifications(ctx, "vpc-flow-log", inputs),
                }
            )
        )
        if result.get("Unsuccessful"):
            raise RuntimeError(f"flow log not created: {result['Unsuccessful'][0]}")
        flow_id = result["FlowLogIds"][0]
        return Deployed(
            flow_id,
            {"arn": ctx.arn("ec2", f"vpc-flow-log/{flow_id}"), "tagsAll": ctx.tags(inputs)},
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        return Deployed(current.id, {**current.outputs, "tagsAll": retag(ctx, current.id, inputs)})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(ec2_client(ctx).delete_flow_logs, FlowLogIds=[current.id])


HANDLERS: tuple[Handler, ...] = (
    Vpc(),
    Subnet(),
    RouteTable(),
    RouteTableAssociation(),
    VpcEndpoint(),
    FlowLog(),
)
