"""The pack's policies as pulumi-policy (CrossGuard) objects.

Used by `platform/policypack/__main__.py` (the real engine) and by `pcizone.policy.analyzer`
(offline), so both run these exact callbacks. Nothing here constructs a `PolicyPack`: its
constructor starts a gRPC server and never returns.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import (
    Severity as CrossGuardSeverity,
)

from pcizone.policy import aws_types as t
from pcizone.policy.registry import FRAMEWORK, FRAMEWORK_VERSION, all_policies
from pcizone.policy.spec import (
    NotApplicable,
    PolicySpec,
    ResourcePolicySpec,
    StackKind,
    StackPolicySpec,
)
from pcizone.policy.views import CONFIG_STACK_KIND, CONFIG_STAGE, Context, Resource, Stack

# Every policy takes the stack's stage and kind from the pack config (see pack_config.py).
CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        CONFIG_STAGE: {"type": "string", "enum": ["org", "dev", "staging", "prod"]},
        CONFIG_STACK_KIND: {"type": "string", "enum": [k.value for k in StackKind]},
    }
)


def build_policies() -> list[Policy]:
    """Every policy of the pack as a CrossGuard policy, in registry order."""
    return [to_crossguard(spec) for spec in all_policies()]


def to_crossguard(spec: PolicySpec) -> Policy:
    common: dict[str, Any] = {
        "name": spec.id,
        "description": spec.description,
        "enforcement_level": EnforcementLevel(spec.enforcement.value),
        "config_schema": CONFIG_SCHEMA,
        "severity": CrossGuardSeverity(spec.severity.value),
        "framework": PolicyComplianceFramework(
            name=FRAMEWORK,
            version=FRAMEWORK_VERSION,
            reference=", ".join(spec.requirements),
        ),
        "tags": ["pci-dss", *(f"pci-dss:{r}" for r in spec.requirements)],
        "remediation_steps": spec.remediation,
    }
    if isinstance(spec, ResourcePolicySpec):
        return ResourceValidationPolicy(validate=_resource_validation(spec), **common)
    if isinstance(spec, StackPolicySpec):
        return StackValidationPolicy(validate=_stack_validation(spec), **common)
    raise TypeError(f"unknown policy kind for {spec.id}")


def _resource_validation(spec: ResourcePolicySpec) -> Any:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        # Other types: return without a verdict (the engine asks every policy about every
        # resource; "not applicable" is kept for resources a policy could judge but does not).
        if args.resource_type not in spec.types:
            return
        ctx = Context.from_config(args.get_config())
        resource = Resource(
            urn=args.urn,
            type=args.resource_type,
            name=args.name,
            props=args.props,
            provider_props=args.provider.props if args.provider is not None else {},
            parent=args.opts.parent,
        )
        try:
            spec.check_kind(ctx)
            for message in spec.check(resource, ctx):
                report(message, None)
        except NotApplicable as exc:
            args.not_applicable(exc.reason)

    return validate


def _stack_validation(spec: StackPolicySpec) -> Any:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        ctx = Context.from_config(args.get_config())
        try:
            spec.check_kind(ctx)
        except NotApplicable as exc:
            args.not_applicable(exc.reason)
        stack = stack_view(args.resources)
        for subject in spec.subjects(stack, ctx):
            for message in spec.check(subject, stack, ctx):
                report(message, subject.urn)

    return validate


def stack_view(resources: list[PolicyResource]) -> Stack:
    views = tuple(
        Resource(
            urn=r.urn,
            type=r.resource_type,
            name=r.name,
            props=r.props,
            provider_props=r.provider.props if r.provider is not None else {},
            parent=r.parent.urn if r.parent is not None else None,
            dependencies=tuple(d.urn for d in r.dependencies),
            property_dependencies={
                k: tuple(d.urn for d in deps) for k, deps in r.property_dependencies.items()
            },
        )
        for r in resources
    )
    return Stack(urn=stack_urn([v.urn for v in views], views), resources=views)


def stack_urn(urns: list[str], views: tuple[Resource, ...] = ()) -> str:
    """The root Stack's URN: the recorded one, else built from any resource's URN."""
    for view in views:
        if view.type == t.STACK:
            return view.urn
    if not urns:
        return ""
    stack, project = urns[0].split("::")[0].removeprefix("urn:pulumi:"), urns[0].split("::")[1]
    return f"urn:pulumi:{stack}::{project}::{t.STACK}::{project}-{stack}"
