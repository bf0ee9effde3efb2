"""Reusable constrained field types, with messages written for people."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr
from pydantic.alias_generators import to_camel

# Commercial AWS regions (2026). An unknown region is a typo, never a new region.
AWS_REGIONS = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2",
        "af-south-1",
        "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
        "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "ca-central-1", "ca-west-1",
        "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
        "eu-south-1", "eu-south-2", "eu-north-1",
        "il-central-1", "me-south-1", "me-central-1", "mx-central-1",
        "sa-east-1",
    }
)  # fmt: skip

# RFC 1918 only: ipaddress's is_private also admits loopback, link-local, 0.0.0.0/8 and 240/4,
# which AWS refuses for a VPC or which clash with the instance metadata service.
RFC1918 = tuple(
    ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)

# CloudWatch Logs accepts only these retention values; PCI DSS 10.5.1 needs at least 365.
LOG_RETENTION_DAYS = (365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)


class ConfigModel(BaseModel):
    """Base for every config section: camelCase keys, unknown keys are errors, immutable."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        strict=False,
    )


def field_issue(path: str, message: str) -> ValueError:
    """A cross-field problem reported at a key path below the model that found it."""
    return ValueError(f"@{path}: {message}")


def _region(value: str) -> str:
    if value not in AWS_REGIONS:
        raise ValueError(f"must be an AWS region such as eu-west-1, got {value!r}")
    return value


def _cidr(value: str) -> str:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        raise ValueError(
            f"must be an IPv4 CIDR block such as 10.20.0.0/16, got {value!r}"
        ) from None
    if not any(net.subnet_of(block) for block in RFC1918):
        raise ValueError(f"must be a private (RFC 1918) range, got {value!r}")
    if not 16 <= net.prefixlen <= 22:
        raise ValueError(f"must be between /16 and /22 to fit the subnets, got /{net.prefixlen}")
    return str(net)


def _log_retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in LOG_RETENTION_DAYS)
        raise ValueError(
            f"must be a CloudWatch retention of at least 365 days (one of {allowed}), got {value}"
        )
    return value


def between(low: float, high: float) -> AfterValidator:
    def check(value: Any) -> Any:
        if not low <= value <= high:
            raise ValueError(f"must be between {_num(low)} and {_num(high)}, got {_num(value)}")
        return value

    return AfterValidator(check)


def at_least(low: float) -> AfterValidator:
    def check(value: Any) -> Any:
        if value < low:
            raise ValueError(f"must be at least {_num(low)}, got {_num(value)}")
        return value

    return AfterValidator(check)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


Region = Annotated[str, AfterValidator(_region)]
Cidr = Annotated[str, AfterValidator(_cidr)]
LogRetentionDays = Annotated[int, AfterValidator(_log_retention)]
Email = EmailStr
