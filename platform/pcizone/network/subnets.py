"""Subnet address plan: the VPC block split into four equal private subnets, one per AZ.

Four quarters leave room for a third AZ in prod and one spare block, whatever the VPC size
(/16 gives /18 subnets, /22 gives /24): the plan never depends on anything but the config.
"""

from __future__ import annotations

import ipaddress

QUARTERS = 4


def private_subnet_cidrs(vpc_cidr: str, az_count: int) -> list[str]:
    if not 1 <= az_count <= QUARTERS - 1:
        raise ValueError(f"az_count must be between 1 and {QUARTERS - 1}, got {az_count}")
    network = ipaddress.IPv4Network(vpc_cidr, strict=True)
    quarters = list(network.subnets(prefixlen_diff=2))
    return [str(block) for block in quarters[:az_count]]
