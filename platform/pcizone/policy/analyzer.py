"""Offline policy evaluation through pulumi-policy's own analyzer servicer.

`_PolicyAnalyzerServicer` is the object the Pulumi engine talks to over gRPC when it runs a
Python policy pack: `Configure` sets enforcement levels and policy config, `Analyze` runs the
resource policies on one resource, `AnalyzeStack` runs the stack policies on all of them. Calling
it in-process with the recorded wire properties gives the engine's semantics for enforcement
levels, not-applicable and unknown values, without a CLI. It is a private class: the version
of pulumi-policy is pinned in pyproject.toml and tests/policy/test_policy_servicer_pin.py
covers the parts used here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto, rpc
from pulumi_policy import EnforcementLevel
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import unknown_checking_proxy

from pcizone.offline.model import RecordedResource, RecordedRun
from pcizone.policy.crossguard import build_policies, stack_urn
from pcizone.policy.registry import PACK_NAME, PACK_VERSION
from pcizone.policy.spec import Level
from pcizone.policy.views import Resource, Stack

_LEVELS = {
    Level.MANDATORY: proto.MANDATORY,
    Level.ADVISORY: proto.ADVISORY,
    Level.DISABLED: proto.DISABLED,
}
_LEVEL_NAMES = {v: k for k, v in _LEVELS.items()}


@dataclass(frozen=True)
class Diagnostic:
    """One diagnostic from the servicer, with the policy's description prefix removed."""

    policy: str
    urn: str
    message: str
    level: Level
    unknown: bool


@dataclass(frozen=True)
class Response:
    diagnostics: tuple[Diagnostic, ...]
    not_applicable: Mapping[str, str]
    """policy id -> reason"""


class OfflineAnalyzer:
    """One configured servicer for the whole pack (cheap: no server, no threads)."""

    def __init__(self) -> None:
        self._policies = build_policies()
        self._descriptions = {p.name: p.description for p in self._policies}
        # Typed as Any: the servicer's gRPC methods carry no annotations.
        self._servicer: Any = _PolicyAnalyzerServicer(
            PACK_NAME, PACK_VERSION, self._policies, EnforcementLevel.ADVISORY
        )

    def configure(self, config: Mapping[str, tuple[Level, Mapping[str, Any]]]) -> None:
        """Per policy: its enforcement level and its config properties (stage, stack kind)."""
        request = proto.ConfigureAnalyzerRequest()
        for policy_id, (level, properties) in config.items():
            entry = request.policyConfig[policy_id]
            entry.enforcementLevel = _LEVELS[level]
            entry.properties.update(dict(properties))
        self._servicer.Configure(request, None)

    def analyze(self, request: Any) -> Response:
        return self._read(self._servicer.Analyze(request, None), request.urn)

    def analyze_stack(self, request: Any) -> Response:
        return self._read(self._servicer.AnalyzeStack(request, None), "")

    def _read(self, response: Any, default_urn: str) -> Response:
        diagnostics = []
        for diag in response.diagnostics:
            prefix = (
                f"can't run policy '{diag.policyName}' from policy pack "
                f"'{PACK_NAME}@v{PACK_VERSION}' during preview: "
            )
            unknown = diag.message.startswith(prefix)
            message = diag.message.removeprefix(prefix) if unknown else diag.message
            description = self._descriptions.get(diag.policyName, "")
            message = message.removeprefix(description).lstrip("\n") or message
            diagnostics.append(
                Diagnostic(
                    policy=diag.policyName,
                    urn=diag.urn or default_urn,
                    message=message,
                    level=_LEVEL_NAMES[diag.enforcementLevel],
                    unknown=unknown,
                )
            )
        not_applicable = {na.policy_name: na.reason for na in response.not_applicable}
        return Response(tuple(diagnostics), not_applicable)


# -- requests built from a recorded run ---------------------------------------------------


def engine_properties(wire: struct_pb2.Struct) -> struct_pb2.Struct:
    """The properties as the engine marshals them for analyzers.

    The engine sends plain values, secrets and unknowns; resource references become the
    resource's id (or URN for components) and first-class output values become their value
    (or unknown). The SDK's monitor may send either form, so normalize both.
    """
    raw = json_format.MessageToDict(wire)
    if not _has_special(raw):
        return wire
    out = struct_pb2.Struct()
    out.update({k: _plain(v) for k, v in raw.items()})
    return out


def _has_special(value: Any) -> bool:
    if isinstance(value, dict):
        sig = value.get(rpc._special_sig_key)
        if sig in (rpc._special_resource_sig, rpc._special_output_value_sig):
            return True
        return any(_has_special(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_special(v) for v in value)
    return False


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        sig = value.get(rpc._special_sig_key)
        if sig == rpc._special_resource_sig:
            return value.get("id") or value.get("urn", "")
        if sig == rpc._special_output_value_sig:
            inner = _plain(value["value"]) if "value" in value else rpc.UNKNOWN
            if value.get("secret"):
                return {rpc._special_sig_key: rpc._special_secret_sig, "value": inner}
            return inner
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _provider(resource: RecordedResource, by_urn: Mapping[str, RecordedResource]) -> Any:
    provider = by_urn.get(resource.provider) if resource.provider else None
    if provider is None:
        return None
    return proto.AnalyzerProviderResource(
        type=provider.type,
        properties=engine_properties(provider.wire),
        urn=provider.urn,
        name=provider.name,
    )


def analyze_request(resource: RecordedResource, by_urn: Mapping[str, RecordedResource]) -> Any:
    request = proto.AnalyzeRequest(
        type=resource.type,
        properties=engine_properties(resource.wire),
        urn=resource.urn,
        name=resource.name,
        options=proto.AnalyzerResourceOptions(parent=resource.parent or ""),
    )
    provider = _provider(resource, by_urn)
    if provider is not None:
        request.provider.CopyFrom(provider)
    return request


def analyze_stack_request(run: RecordedRun) -> Any:
    by_urn = run.by_urn()
    request = proto.AnalyzeStackRequest()
    for resource in run.resources:
        entry = request.resources.add(
            type=resource.type,
            properties=engine_properties(resource.wire),
            urn=resource.urn,
            name=resource.name,
            options=proto.AnalyzerResourceOptions(parent=resource.parent or ""),
            parent=resource.parent or "",
            dependencies=list(resource.dependencies),
        )
        for key, urns in resource.property_dependencies.items():
            entry.propertyDependencies[key].urns.extend(urns)
        provider = _provider(resource, by_urn)
        if provider is not None:
            entry.provider.CopyFrom(provider)
    return request


def stack_view_of_request(request: Any) -> Stack:
    """The Stack view a stack policy sees, built from the request as the servicer builds it."""
    deserialized = {
        r.urn: unknown_checking_proxy(
            deserialize_properties(json_format.MessageToDict(r.properties))
        )
        for r in request.resources
    }
    providers = {
        r.urn: unknown_checking_proxy(
            deserialize_properties(json_format.MessageToDict(r.provider.properties))
        )
        for r in request.resources
        if r.HasField("provider")
    }
    urns = set(deserialized)
    views = tuple(
        Resource(
            urn=r.urn,
            type=r.type,
            name=r.name,
            props=deserialized[r.urn],
            provider_props=providers.get(r.urn, {}),
            parent=r.parent if r.parent in urns else None,
            dependencies=tuple(d for d in r.dependencies if d in urns),
            property_dependencies={
                k: tuple(u for u in v.urns if u in urns) for k, v in r.propertyDependencies.items()
            },
        )
        for r in request.resources
    )
    return Stack(urn=stack_urn([v.urn for v in views], views), resources=views)
