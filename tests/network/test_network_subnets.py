"""The subnet plan: four equal quarters of the VPC block, one per AZ, never overlapping."""

from __future__ import annotations

import ipaddress

import pytest
from pcizone.network.subnets import private_subnet_cidrs


def test_a_16_gives_18s_in_order() -> None:
    assert private_subnet_cidrs("10.10.0.0/16", 2) == ["10.10.0.0/18", "10.10.64.0/18"]
    assert private_subnet_cidrs("10.30.0.0/16", 3) == [
        "10.30.0.0/18",
        "10.30.64.0/18",
        "10.30.128.0/18",
    ]


def test_the_smallest_vpc_still_fits_three_azs() -> None:
    blocks = private_subnet_cidrs("10.0.4.0/22", 3)
    assert blocks == ["10.0.4.0/24", "10.0.5.0/24", "10.0.6.0/24"]
    networks = [ipaddress.IPv4Network(b) for b in blocks]
    assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1 :])


@pytest.mark.parametrize("count", [0, 4])
def test_az_count_outside_the_plan_is_refused(count: int) -> None:
    with pytest.raises(ValueError, match=f"az_count must be between 1 and 3, got {count}"):
        private_subnet_cidrs("10.10.0.0/16", count)
