"""What a resource handler is: create, update and delete one resource type in the emulator.

A handler gets the program's inputs (camelCase, secrets revealed, numbers as the wire sends
them) and returns the emulator's id and the attributes AWS would compute, named and formatted as
pulumi-aws names them, so the program's Outputs resolve to the emulator's real values.

Handlers run on the SDK's executor threads, many at once: they keep no state of their own and
reach the emulator only through `ResourceContext.client` (shared, thread-safe clients).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from pcizone.local.aws_access import AwsAccess
from pcizone.local.deploy.state import Placement

# Error codes that mean "it is already gone": deleting it again is success.
MISSING_CODES = frozenset(
    {
        "NoSuchEntity",
        "NoSuchBucket",
        "NoSuchKey",
        "NotFoundException",
        "NotFound",
        "ResourceNotFoundException",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "DBClusterNotFoundFault",
        "DBInstanceNotFound",
        "DBSubnetGroupNotFoundFault",
        "DBClusterParameterGroupNotFound",
        "DBParameterGroupNotFound",
        "DBProxyNotFoundFault",
        "GlobalClusterNotFoundFault",
        "InvalidVpcID.NotFound",
        "InvalidSubnetID.NotFound",
        "InvalidGroup.NotFound",
        "InvalidRouteTableID.NotFound",
        "InvalidAssociationID.NotFound",
        "InvalidVpcEndpointId.NotFound",
        "InvalidFlowLogId.NotFound",
        "InvalidPermission.NotFound",
        "AccountNotFoundException",
        "PolicyNotFoundException",
        "PolicyNotAttachedException",
        "OrganizationalUnitNotFoundException",
        "TrailNotFoundException",
        "NoSuchConfigurationRecorderException",
        "NoSuchDeliveryChannelException",
        "NoSuchConfigRuleException",
    }
)


# Inputs that only tag a resource (the provider's default tags are diffed under "__provider").
TAG_KEYS = frozenset({"tags", "__provider"})


class DeployServices(Protocol):
    """What some handlers need beyond the emulator (the database stand-in, function calls)."""

    def database(self) -> Any: ...

    def invoke_function(
        self, account: str, function_name: str, payload: Mapping[str, Any]
    ) -> dict[str, Any]: ...

    def note(self, urn: str, message: str) -> None: ...


@dataclass(frozen=True)
class Deployed:
    """A resource as it exists in the emulator: its id and the attributes AWS computed."""

    id: str
    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResourceContext:
    urn: str
    type: str
    name: str  # the logical name in the program
    stack: str
    placement: Placement
    aws: AwsAccess
    default_tags: Mapping[str, str]
    services: DeployServices
    project_dir: Path  # relative archive paths (Lambda code) are read from here

    @property
    def account(self) -> str:
        return self.placement.account

    @property
    def region(self) -> str:
        return self.placement.region

    def client(self, service: str) -> Any:
        return self.aws.client(service, region=self.region, role_arn=self.placement.role_arn)

    def autoname(self, max_len: int = 64, *, suffix: str = "") -> str:
        """A physical name for an autonamed resource: the logical name plus a stable hash.

        Pulumi adds a random suffix; a hash of the URN (which includes the stack) gives the
        same protection against collisions, and the same name on every run.
        """
        digest = hashlib.sha256(self.urn.encode()).hexdigest()[:7]
        base = self.name[: max(1, max_len - len(digest) - len(suffix) - 1)]
        return f"{base}-{digest}{suffix}"

    def name_or_auto(
        self, inputs: Mapping[str, Any], key: str = "name", max_len: int = 64, suffix: str = ""
    ) -> str:
        given = inputs.get(key)
        if isinstance(given, str) and given:
            return given
        prefix = inputs.get(f"{key}Prefix")
        if isinstance(prefix, str) and prefix:
            digest = hashlib.sha256(self.urn.encode()).hexdigest()[:8]
            return f"{prefix}{digest}{suffix}"[:max_len]
        return self.autoname(max_len, suffix=suffix)

    def tags(self, inputs: Mapping[str, Any]) -> dict[str, str]:
        """The provider's default tags with the resource's own on top (AWS's `tagsAll`)."""
        own = inputs.get("tags") or {}
        return {**self.default_tags, **{str(k): str(v) for k, v in own.items()}}

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:aws:{service}:{region}:{self.account}:{resource}"


class Handler:
    """Base class: subclasses set `type` and implement `create` and `delete`.

    `update` defaults to "cannot change in place" (the deploy replaces the resource); handlers
    that can apply changes override it. `replace_on` names inputs whose change always needs a
    new resource, as AWS would (a queue's name, a bucket's name, a cluster's engine).
    """

    type: ClassVar[str]
    replace_on: ClassVar[frozenset[str]] = frozenset()

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        raise NotImplementedError

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        raise ReplaceNeeded

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        raise NotImplementedError

    def ensure(self, ctx: ResourceContext, current: Deployed, inputs: dict[str, Any]) -> None:
        """For an unchanged resource: re-assert what lives outside the emulator (default: none)."""


class ReplaceNeeded(Exception):
    """Raised by `update` when the change cannot be applied in place."""


class PutHandler(Handler):
    """For configuration resources AWS sets with one idempotent "put": update is create."""

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        return self.create(ctx, inputs)


def error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def ignore_missing(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run `call`; a "not found" answer means the thing is already gone, which is fine."""
    try:
        return call(*args, **kwargs)
    except Exception as exc:
        if error_code(exc) in MISSING_CODES:
            return None
        raise


def as_int(value: Any) -> int | None:
    """boto3 wants ints where the wire sends floats (timeouts, sizes, counts)."""
    if value is None:
        return None
    return int(value)


def as_bool(value: Any) -> bool | None:
    """Provider-style booleans may arrive as strings."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def as_json(value: Any) -> str | None:
    """A policy document (a JSON string on the wire, or already a dict) as a JSON string."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def tag_list(
    tags: Mapping[str, str], key: str = "Key", value: str = "Value"
) -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in sorted(tags.items())]


def drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def first(items: Iterable[Any] | None) -> Any:
    for item in items or ():
        return item
    return None


def api_shape(value: Any, renames: Mapping[str, str] | None = None) -> Any:
    """pulumi-aws's camelCase blocks as the AWS API's PascalCase (integral floats as ints).

    `renames` covers keys whose API name is not the capitalised input name (`id` -> `ID`).
    """
    if isinstance(value, dict):
        names = renames or {}
        return {
            names.get(k, k[:1].upper() + k[1:]): api_shape(v, renames)
            for k, v in value.items()
            if v is not None
        }
    if isinstance(value, list):
        return [api_shape(v, renames) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
