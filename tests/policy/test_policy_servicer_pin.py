"""Pin the private pulumi-policy analyzer servicer that offline evaluation relies on.

pcizone.policy.analyzer calls `_PolicyAnalyzerServicer` directly and reads its diagnostics.
These tests state every behaviour it depends on, so a pulumi-policy upgrade that changes one
fails here, by name, rather than silently changing verdicts.
"""

from __future__ import annotations

import inspect
from importlib import metadata
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import proto, rpc
from pulumi_policy import (
    EnforcementLevel,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy.policy import _PolicyAnalyzerServicer

PACK, VERSION = "pin-pack", "1.2.3"


def _servicer(*policies: Any) -> Any:
    return _PolicyAnalyzerServicer(PACK, VERSION, list(policies), EnforcementLevel.ADVISORY)


def _props(**values: Any) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def _request(**values: Any) -> Any:
    return proto.AnalyzeRequest(
        type="aws:s3/bucket:Bucket", properties=_props(**values), urn="urn:b", name="b"
    )


def _reads_flag(args: Any, report: Any) -> None:
    if args.props.get("flag") is not True:
        report("flag is not true", None)


def test_pulumi_policy_minor_version_is_the_pinned_one():
    assert metadata.version("pulumi-policy").startswith("1.21.")


def test_servicer_constructor_and_methods_are_as_used():
    params = list(inspect.signature(_PolicyAnalyzerServicer.__init__).parameters)
    assert params[:5] == ["self", "name", "version", "policies", "enforcement_level"]
    for method in ("Analyze", "AnalyzeStack", "Configure", "GetAnalyzerInfo"):
        assert callable(getattr(_PolicyAnalyzerServicer, method))


def test_violation_message_is_description_newline_message_at_the_policy_level():
    policy = ResourceValidationPolicy(
        "p", "The description.", _reads_flag, enforcement_level=EnforcementLevel.MANDATORY
    )
    response = _servicer(policy).Analyze(_request(flag=False), None)
    [diag] = response.diagnostics
    assert diag.policyName == "p"
    assert diag.message == "The description.\nflag is not true"
    assert diag.enforcementLevel == proto.MANDATORY
    assert list(response.not_applicable) == []


def test_unknown_value_is_an_advisory_diagnostic_with_the_preview_prefix():
    policy = ResourceValidationPolicy(
        "p", "The description.", _reads_flag, enforcement_level=EnforcementLevel.MANDATORY
    )
    response = _servicer(policy).Analyze(_request(flag=rpc.UNKNOWN), None)
    [diag] = response.diagnostics
    prefix = f"can't run policy 'p' from policy pack '{PACK}@v{VERSION}' during preview: "
    assert diag.message.startswith(prefix)
    assert diag.message.endswith("value at .flag can't be known during preview")
    assert diag.enforcementLevel == proto.ADVISORY


def test_secrets_are_unwrapped_for_the_policy():
    policy = ResourceValidationPolicy("p", "The description.", _reads_flag)
    secret = {rpc._special_sig_key: rpc._special_secret_sig, "value": True}
    assert list(_servicer(policy).Analyze(_request(flag=secret), None).diagnostics) == []


def test_not_applicable_is_reported_with_its_reason():
    def skip(args: Any, _report: Any) -> None:
        args.not_applicable("not for buckets")

    response = _servicer(ResourceValidationPolicy("p", "d", skip)).Analyze(_request(), None)
    assert [(n.policy_name, n.reason) for n in response.not_applicable] == [
        ("p", "not for buckets")
    ]


def test_configure_overrides_levels_disables_and_passes_properties():
    seen: list[dict[str, Any]] = []

    def record(args: Any, report: Any) -> None:
        seen.append(dict(args.get_config()))
        report("always", None)

    servicer = _servicer(
        ResourceValidationPolicy("a", "d", record, enforcement_level=EnforcementLevel.MANDATORY),
        ResourceValidationPolicy("b", "d", record),
    )
    request = proto.ConfigureAnalyzerRequest()
    request.policyConfig["a"].enforcementLevel = proto.ADVISORY
    request.policyConfig["a"].properties.update({"stage": "prod"})
    request.policyConfig["b"].enforcementLevel = proto.DISABLED
    servicer.Configure(request, None)
    response = servicer.Analyze(_request(), None)
    assert [(d.policyName, d.enforcementLevel) for d in response.diagnostics] == [
        ("a", proto.ADVISORY)
    ]
    assert seen == [{"stage": "prod"}]


def test_analyze_stack_links_property_dependencies_and_reports_urns():
    def check(args: Any, report: Any) -> None:
        by_urn = {r.urn: r for r in args.resources}
        child = by_urn["urn:child"]
        assert [d.urn for d in child.property_dependencies["bucket"]] == ["urn:parent"]
        assert child.provider.props["region"] == "eu-west-1"
        report("child is bad", "urn:child")

    request = proto.AnalyzeStackRequest()
    request.resources.add(type="t:a:A", urn="urn:parent", name="parent", properties=_props())
    child = request.resources.add(type="t:b:B", urn="urn:child", name="child", properties=_props())
    child.propertyDependencies["bucket"].urns.append("urn:parent")
    child.provider.CopyFrom(
        proto.AnalyzerProviderResource(
            type="pulumi:providers:aws",
            urn="urn:p",
            name="p",
            properties=_props(region="eu-west-1"),
        )
    )
    policy = StackValidationPolicy("s", "Stack description.", check)
    [diag] = _servicer(policy).AnalyzeStack(request, None).diagnostics
    assert (diag.urn, diag.message) == ("urn:child", "Stack description.\nchild is bad")
