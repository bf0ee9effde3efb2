"""The stage network as the offline run records it: private only, endpoints, least-open groups."""

from __future__ import annotations

import pytest
from data_plane_runs import (
    STAGE_STACKS,
    document,
    of_type,
    one,
    outputs,
    owned,
    provider_region,
    run,
)
from pcizone.network.endpoints import INTERFACE_SERVICES
from pcizone.offline.model import RecordedResource, RecordedRun

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SUBSCRIPTION = "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter"
INTERNET_TYPES = {
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/route:Route",
}


def _urns_by_type(recorded: RecordedRun, type_: str) -> dict[str, RecordedResource]:
    return {r.urn: r for r in recorded.resources if r.type == type_}


def _group_named(recorded: RecordedRun, key: str, region: str) -> RecordedResource:
    found = [
        g
        for g in of_type(recorded.resources, GROUP)
        if g.name.endswith(f"-sg-{key}") and provider_region(recorded, g) == region
    ]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("stack", STAGE_STACKS)
def test_no_path_to_or_from_the_internet(stack: str) -> None:
    recorded = run(stack)
    assert not [r.type for r in recorded.resources if r.type in INTERNET_TYPES]
    for table in of_type(recorded.resources, ROUTE_TABLE):
        assert table.inputs["routes"] == []  # only the implicit local route
    for subnet in of_type(recorded.resources, SUBNET):
        assert subnet.inputs["mapPublicIpOnLaunch"] is False


@pytest.mark.parametrize(("stack", "azs"), [("dev", 2), ("staging", 2), ("prod", 3)])
def test_private_subnets_span_distinct_azs(stack: str, azs: int) -> None:
    recorded = run(stack)
    home = [
        s for s in of_type(owned(recorded), SUBNET) if provider_region(recorded, s) == "eu-west-1"
    ]
    assert len(home) == azs
    assert len({s.inputs["availabilityZone"] for s in home}) == azs
    vpc = one(recorded.resources, VPC, "network-vpc")
    assert vpc.inputs["enableDnsSupport"] is True and vpc.inputs["enableDnsHostnames"] is True
    assert outputs(stack)["privateSubnetIds"] == [s.outputs["id"] for s in home]


def test_prod_has_a_second_network_in_the_dr_region() -> None:
    recorded = run("prod")
    regions = sorted(provider_region(recorded, v) for v in of_type(recorded.resources, VPC))
    assert regions == ["eu-central-1", "eu-west-1"]
    dr_subnets = [
        s
        for s in of_type(recorded.resources, SUBNET)
        if provider_region(recorded, s) == "eu-central-1"
    ]
    assert len(dr_subnets) == 3
    # The DR network holds only the secondary cluster: no endpoints there.
    assert {provider_region(recorded, e) for e in of_type(recorded.resources, ENDPOINT)} == {
        "eu-west-1"
    }


@pytest.mark.parametrize("stack", STAGE_STACKS)
def test_interface_endpoints_and_the_s3_gateway(stack: str) -> None:
    recorded = run(stack)
    endpoints = of_type(owned(recorded), ENDPOINT)
    interface = {
        e.inputs["serviceName"]: e for e in endpoints if e.inputs["vpcEndpointType"] == "Interface"
    }
    gateway = [e for e in endpoints if e.inputs["vpcEndpointType"] == "Gateway"]
    assert set(interface) == {f"com.amazonaws.eu-west-1.{s}" for s in INTERFACE_SERVICES}
    endpoint_group = _group_named(recorded, "endpoints", "eu-west-1")
    subnets = outputs(stack)["privateSubnetIds"]
    for endpoint in interface.values():
        assert endpoint.inputs["privateDnsEnabled"] is True
        assert endpoint.inputs["securityGroupIds"] == [endpoint_group.outputs["id"]]
        assert endpoint.inputs["subnetIds"] == subnets
    assert [g.inputs["serviceName"] for g in gateway] == ["com.amazonaws.eu-west-1.s3"]
    tables = [
        t.outputs["id"]
        for t in of_type(recorded.resources, ROUTE_TABLE)
        if provider_region(recorded, t) == "eu-west-1"
    ]
    assert sorted(gateway[0].inputs["routeTableIds"]) == sorted(tables)
    account = outputs(stack)["accountId"]
    for endpoint in endpoints:
        (statement,) = document(endpoint.inputs["policy"])["Statement"]
        assert statement["Condition"]["StringEquals"]["aws:PrincipalAccount"] == account
        service = endpoint.inputs["serviceName"].rsplit(".", 1)[1]
        assert statement["Action"] == f"{service}:*"


@pytest.mark.parametrize("stack", STAGE_STACKS)
def test_security_groups_allow_only_lambda_proxy_aurora_and_https_to_endpoints(stack: str) -> None:
    recorded = run(stack)
    ids = {
        _group_named(recorded, key, "eu-west-1").outputs["id"]: key
        for key in ("lambda", "proxy", "database", "endpoints")
    }

    def paths(type_: str) -> set[tuple[str, str, int]]:
        """(from group, to group, port) of every home-region rule of one direction."""
        out = set()
        rules = of_type(recorded.resources, type_)
        for rule in [r for r in rules if provider_region(recorded, r) == "eu-west-1"]:
            assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs
            assert rule.inputs["fromPort"] == rule.inputs["toPort"]
            assert rule.inputs["ipProtocol"] == "tcp"
            own, peer = (
                ids[rule.inputs["securityGroupId"]],
                ids[rule.inputs["referencedSecurityGroupId"]],
            )
            out.add(
                (own, peer, int(rule.inputs["fromPort"]))
                if type_ == EGRESS
                else (peer, own, int(rule.inputs["fromPort"]))
            )
        return out

    expected = {
        ("lambda", "proxy", 5432),
        ("proxy", "database", 5432),
        ("lambda", "endpoints", 443),
        ("proxy", "endpoints", 443),
    }
    assert paths(EGRESS) == expected
    assert paths(INGRESS) == expected
    default = of_type(recorded.resources, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert default and all(d.inputs["ingress"] == [] and d.inputs["egress"] == [] for d in default)
    assert (
        outputs(stack)["lambdaSecurityGroupId"]
        == _group_named(recorded, "lambda", "eu-west-1").outputs["id"]
    )


@pytest.mark.parametrize("stack", STAGE_STACKS)
def test_flow_logs_go_to_an_encrypted_group_that_feeds_the_log_pipeline(stack: str) -> None:
    recorded = run(stack)
    keys = outputs(stack)["keyArns"]
    (home_flow,) = [
        f
        for f in of_type(recorded.resources, FLOW_LOG)
        if provider_region(recorded, f) == "eu-west-1"
    ]
    assert home_flow.inputs["trafficType"] == "ALL"
    assert home_flow.inputs["logDestinationType"] == "cloud-watch-logs"
    groups = _urns_by_type(recorded, LOG_GROUP)
    (group,) = [
        g for g in groups.values() if g.outputs["arn"] == home_flow.inputs["logDestination"]
    ]
    assert group.inputs["kmsKeyId"] == keys["logs"]
    assert group.inputs["retentionInDays"] == 400
    assert home_flow.dependencies and group.urn in home_flow.property_dependencies["logDestination"]
    subscriptions = [
        s
        for s in of_type(recorded.resources, SUBSCRIPTION)
        if s.inputs["logGroup"] == group.outputs["name"]
    ]
    assert [s.inputs["destinationArn"] for s in subscriptions] == [outputs(stack)["logFirehoseArn"]]
    role = [
        r
        for r in of_type(recorded.resources, "aws:iam/rolePolicy:RolePolicy")
        if r.name == "network-flow-logs-role-policy"
    ]
    (policy,) = role
    statements = {s["Sid"]: s for s in document(policy.inputs["policy"])["Statement"]}
    assert statements["WriteThisGroup"]["Resource"] == [
        group.outputs["arn"],
        group.outputs["arn"] + ":*",
    ]
