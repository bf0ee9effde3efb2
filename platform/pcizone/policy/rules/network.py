"""Networking: no security group open to the internet, flow logs on every VPC."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pcizone.policy import aws_types as t
from pcizone.policy import values
from pcizone.policy.spec import Level, Severity, resource_policy, stack_policy
from pcizone.policy.views import Context, Resource, Stack

ANYWHERE = ("0.0.0.0/0", "::/0")


def _open_cidrs(rule: Mapping[str, Any]) -> list[str]:
    cidrs = values.as_str_list(rule.get("cidrBlocks")) + values.as_str_list(
        rule.get("ipv6CidrBlocks")
    )
    return [c for c in cidrs if c in ANYWHERE]


def _port_range(rule: Mapping[str, Any]) -> str:
    low = values.as_number(rule.get("fromPort"))
    high = values.as_number(rule.get("toPort"))
    if low is None or high is None:
        return "all ports"
    if low == high:
        return f"port {values.fmt_number(low)}"
    return f"ports {values.fmt_number(low)}-{values.fmt_number(high)}"


@resource_policy(
    "pci-sg-no-public-ingress",
    "No security group rule allows ingress from 0.0.0.0/0 or ::/0.",
    requirements=("1.2.8", "1.3.1", "1.3.2", "1.4.2"),
    severity=Severity.CRITICAL,
    enforcement=Level.MANDATORY,
    types=(t.SECURITY_GROUP, t.SG_INGRESS_RULE, t.SECURITY_GROUP_RULE),
    remediation="Allow ingress only from named security groups or the VPC's own CIDR.",
)
def sg_no_public_ingress(resource: Resource, _ctx: Context) -> Iterator[str]:
    if resource.type == t.SECURITY_GROUP:
        for rule in values.as_list(resource.props.get("ingress")):
            if isinstance(rule, Mapping) and (cidrs := _open_cidrs(rule)):
                yield f"ingress on {_port_range(rule)} from {', '.join(cidrs)}"
    elif resource.type == t.SG_INGRESS_RULE:
        for key in ("cidrIpv4", "cidrIpv6"):
            if resource.props.get(key) in ANYWHERE:
                yield f"{key} is {resource.props.get(key)} on {_port_range(resource.props)}"
    elif resource.props.get("type") == "ingress" and (cidrs := _open_cidrs(resource.props)):
        yield f"ingress on {_port_range(resource.props)} from {', '.join(cidrs)}"


@stack_policy(
    "pci-vpc-flow-logs",
    "Every VPC records all its traffic with VPC flow logs.",
    requirements=("10.2.1", "10.2.1.7", "1.2.8"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.VPC,),
    remediation="Add an aws.ec2.FlowLog with vpc_id set and traffic_type ALL.",
)
def vpc_flow_logs(vpc: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    logs = stack.referrers(vpc, (t.FLOW_LOG,), "vpcId")
    if not logs:
        yield "no FlowLog names this VPC"
    elif not any(values.get(log.props, "trafficType") == "ALL" for log in logs):
        yield "no FlowLog for this VPC records trafficType ALL"
