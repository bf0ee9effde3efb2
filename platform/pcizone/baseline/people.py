"""People's roles in a workload account: platform-admin, developer, auditor, break-glass."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.baseline.people_policies import (
    EXTRA_PERMISSIONS,
    FIXED_ROLE_NAMES,
    MANAGED_POLICIES,
    SESSION_SECONDS,
    Persona,
    break_glass_trust,
    deny_cardholder_data_policy,
    sso_trust,
)
from pcizone.core.naming import DataClass, Naming, PrincipalType
from pcizone.landing_zone.documents import render
from pcizone.landing_zone.iam_grammar import DocumentKind

COMPONENT = "people"
DESCRIPTIONS = {
    Persona.PLATFORM_ADMIN: "Platform engineers: operate the platform; changes go through CI",
    Persona.DEVELOPER: "Payments developers: read-only view of the account",
    Persona.AUDITOR: "Auditors and assessors: read security configuration and findings",
    Persona.BREAK_GLASS: "Emergency access when Identity Center is down; every use alarms",
}


@dataclass(frozen=True)
class PeopleInputs:
    account_id: pulumi.Output[str]
    security_account_id: pulumi.Output[str]
    management_account_id: pulumi.Output[str]
    platform_role_name: pulumi.Output[str]


def people_roles(
    naming: Naming, inputs: PeopleInputs, opts: pulumi.ResourceOptions
) -> dict[Persona, aws.iam.Role]:
    roles: dict[Persona, aws.iam.Role] = {}
    for persona in Persona:
        name: pulumi.Output[str] = (
            inputs.platform_role_name
            if persona is Persona.PLATFORM_ADMIN
            else pulumi.Output.from_input(FIXED_ROLE_NAMES[persona])
        )
        roles[persona] = _role(naming, persona, name, inputs, opts)
    return roles


def _role(
    naming: Naming,
    persona: Persona,
    name: pulumi.Output[str],
    inputs: PeopleInputs,
    opts: pulumi.ResourceOptions,
) -> aws.iam.Role:
    if persona is Persona.BREAK_GLASS:
        trust = inputs.management_account_id.apply(break_glass_trust)
    else:
        trust = pulumi.Output.all(inputs.security_account_id, name).apply(
            lambda v: sso_trust(v[0], v[1])
        )
    role = aws.iam.Role(
        f"person-{persona}",
        name=name,
        description=DESCRIPTIONS[persona],
        assume_role_policy=trust.apply(
            lambda doc: render(doc, DocumentKind.TRUST, f"{persona} trust")
        ),
        max_session_duration=SESSION_SECONDS,
        tags=naming.tags(DataClass.INTERNAL, component=COMPONENT, principal=PrincipalType.HUMAN),
        opts=opts,
    )
    for index, arn in enumerate(MANAGED_POLICIES[persona]):
        aws.iam.RolePolicyAttachment(
            f"person-{persona}-managed-{index}", role=role.name, policy_arn=arn, opts=opts
        )
    extra = EXTRA_PERMISSIONS.get(persona)
    if extra is not None:
        aws.iam.RolePolicy(
            f"person-{persona}-permissions",
            role=role.name,
            policy=inputs.account_id.apply(
                lambda account: render(
                    extra(account), DocumentKind.IDENTITY, f"{persona} permissions"
                )
            ),
            opts=opts,
        )
    aws.iam.RolePolicy(
        f"person-{persona}-deny-cardholder-data",
        role=role.name,
        policy=render(deny_cardholder_data_policy(), DocumentKind.IDENTITY, "cardholder denies"),
        opts=opts,
    )
    return role
