"""AWS Organizations: the organization, OUs, member accounts, SCPs, delegated administrators.

Member accounts are real accounts in the emulator: their ids come from CreateAccount, and
resources deployed with a provider that assumes a role in one land in that account.
"""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    PutHandler,
    ResourceContext,
    error_code,
    ignore_missing,
    tag_list,
)

_SERVICE_POLICY_TYPES = frozenset(
    {"SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY", "TAG_POLICY", "BACKUP_POLICY"}
)


def _org(ctx: ResourceContext) -> Any:
    # Organizations is a global service served from us-east-1.
    return ctx.aws.client("organizations", region="us-east-1", role_arn=ctx.placement.role_arn)


def _describe(ctx: ResourceContext) -> dict[str, Any]:
    client = _org(ctx)
    org = client.describe_organization()["Organization"]
    roots = client.list_roots()["Roots"]
    accounts = client.list_accounts()["Accounts"]

    def account(a: dict[str, Any]) -> dict[str, Any]:
        return {k[0].lower() + k[1:]: a[k] for k in ("Id", "Arn", "Name", "Email", "Status")}

    return {
        "arn": org["Arn"],
        "featureSet": org["FeatureSet"],
        "masterAccountId": org["MasterAccountId"],
        "masterAccountArn": org["MasterAccountArn"],
        "masterAccountEmail": org["MasterAccountEmail"],
        "roots": [
            {
                "id": r["Id"],
                "arn": r["Arn"],
                "name": r["Name"],
                "policyTypes": [
                    {"type": p["Type"], "status": p["Status"]} for p in r.get("PolicyTypes", [])
                ],
            }
            for r in roots
        ],
        "accounts": [account(a) for a in accounts],
        "nonMasterAccounts": [account(a) for a in accounts if a["Id"] != org["MasterAccountId"]],
    }


class Organization(Handler):
    type = "aws:organizations/organization:Organization"
    replace_on = frozenset({"featureSet"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        client = _org(ctx)
        try:
            org_id = client.create_organization(FeatureSet=inputs.get("featureSet") or "ALL")[
                "Organization"
            ]["Id"]
        except Exception as exc:
            # One organization per management account: the org stack owns it.
            if error_code(exc) != "AlreadyInOrganizationException":
                raise
            org_id = client.describe_organization()["Organization"]["Id"]
        self._apply(ctx, inputs)
        return Deployed(org_id, _describe(ctx))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        self._apply(ctx, inputs)
        return Deployed(current.id, _describe(ctx))

    def _apply(self, ctx: ResourceContext, inputs: dict[str, Any]) -> None:
        client = _org(ctx)
        enabled = {
            p["ServicePrincipal"]
            for p in client.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
        }
        for principal in sorted(set(inputs.get("awsServiceAccessPrincipals") or []) - enabled):
            client.enable_aws_service_access(ServicePrincipal=principal)
        root = client.list_roots()["Roots"][0]
        active = {p["Type"] for p in root.get("PolicyTypes", []) if p["Status"] == "ENABLED"}
        for policy_type in sorted(set(inputs.get("enabledPolicyTypes") or []) - active):
            client.enable_policy_type(RootId=root["Id"], PolicyType=policy_type)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_org(ctx).delete_organization)


class OrganizationalUnit(Handler):
    type = "aws:organizations/organizationalUnit:OrganizationalUnit"
    replace_on = frozenset({"parentId"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        unit = _org(ctx).create_organizational_unit(
            ParentId=inputs["parentId"],
            Name=inputs["name"],
            Tags=tag_list(ctx.tags(inputs)),
        )["OrganizationalUnit"]
        return Deployed(
            unit["Id"], {"arn": unit["Arn"], "accounts": [], "tagsAll": ctx.tags(inputs)}
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        if "name" in changed:
            _org(ctx).update_organizational_unit(
                OrganizationalUnitId=current.id, Name=inputs["name"]
            )
        _retag(ctx, current.id, inputs)
        return Deployed(current.id, {**current.outputs, "tagsAll": ctx.tags(inputs)})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_org(ctx).delete_organizational_unit, OrganizationalUnitId=current.id)


class Account(Handler):
    type = "aws:organizations/account:Account"
    replace_on = frozenset({"email", "name", "roleName", "iamUserAccessToBilling"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        client = _org(ctx)
        existing = _account_by_email(client, inputs["email"])
        if existing is None:
            params: dict[str, Any] = {
                "Email": inputs["email"],
                "AccountName": inputs["name"],
                "Tags": tag_list(ctx.tags(inputs)),
            }
            if inputs.get("roleName"):
                params["RoleName"] = inputs["roleName"]
            if inputs.get("iamUserAccessToBilling"):
                params["IamUserAccessToBilling"] = inputs["iamUserAccessToBilling"]
            status = client.create_account(**params)["CreateAccountStatus"]
            if status.get("State") == "FAILED":
                raise RuntimeError(f"account creation failed: {status.get('FailureReason')}")
            account_id = status["AccountId"]
        else:
            account_id = existing
        self._place(ctx, account_id, inputs.get("parentId"))
        return Deployed(account_id, self._outputs(ctx, account_id, inputs))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        self._place(ctx, current.id, inputs.get("parentId"))
        _retag(ctx, current.id, inputs)
        return Deployed(current.id, self._outputs(ctx, current.id, inputs))

    def _place(self, ctx: ResourceContext, account_id: str, parent: str | None) -> None:
        if not parent:
            return
        client = _org(ctx)
        now = client.list_parents(ChildId=account_id)["Parents"][0]["Id"]
        if now != parent:
            client.move_account(
                AccountId=account_id, SourceParentId=now, DestinationParentId=parent
            )

    def _outputs(
        self, ctx: ResourceContext, account_id: str, inputs: dict[str, Any]
    ) -> dict[str, Any]:
        client = _org(ctx)
        account = client.describe_account(AccountId=account_id)["Account"]
        parent = client.list_parents(ChildId=account_id)["Parents"][0]["Id"]
        return {
            "arn": account["Arn"],
            "status": account["Status"],
            "joinedMethod": account.get("JoinedMethod", "CREATED"),
            "parentId": parent,
            "govcloudId": "",
            "tagsAll": ctx.tags(inputs),
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_org(ctx).close_account, AccountId=current.id)


def _account_by_email(client: Any, email: str) -> str | None:
    """An account with this email already in the organization (AWS refuses a second one)."""
    for page in client.get_paginator("list_accounts").paginate():
        for account in page["Accounts"]:
            if account["Email"].lower() == email.lower() and account["Status"] == "ACTIVE":
                return str(account["Id"])
    return None


def _retag(ctx: ResourceContext, resource_id: str, inputs: dict[str, Any]) -> None:
    tags = ctx.tags(inputs)
    if tags:
        _org(ctx).tag_resource(ResourceId=resource_id, Tags=tag_list(tags))


class Policy(Handler):
    type = "aws:organizations/policy:Policy"
    replace_on = frozenset({"type"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        policy_type = inputs.get("type") or "SERVICE_CONTROL_POLICY"
        if policy_type not in _SERVICE_POLICY_TYPES:
            raise ValueError(f"unknown organizations policy type {policy_type}")
        summary = _org(ctx).create_policy(
            Content=inputs["content"],
            Description=inputs.get("description") or "",
            Name=ctx.name_or_auto(inputs),
            Type=policy_type,
            Tags=tag_list(ctx.tags(inputs)),
        )["Policy"]["PolicySummary"]
        return Deployed(summary["Id"], {"arn": summary["Arn"], "tagsAll": ctx.tags(inputs)})

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        _org(ctx).update_policy(
            PolicyId=current.id,
            Name=ctx.name_or_auto(inputs),
            Description=inputs.get("description") or "",
            Content=inputs["content"],
        )
        return Deployed(current.id, {**current.outputs, "tagsAll": ctx.tags(inputs)})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        client = _org(ctx)
        # AWS refuses to delete an attached policy; attachments go first unless they are gone.
        for target in client.list_targets_for_policy(PolicyId=current.id).get("Targets", []):
            ignore_missing(client.detach_policy, PolicyId=current.id, TargetId=target["TargetId"])
        ignore_missing(client.delete_policy, PolicyId=current.id)


class PolicyAttachment(Handler):
    type = "aws:organizations/policyAttachment:PolicyAttachment"
    replace_on = frozenset({"policyId", "targetId"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        client = _org(ctx)
        try:
            client.attach_policy(PolicyId=inputs["policyId"], TargetId=inputs["targetId"])
        except Exception as exc:
            if error_code(exc) != "DuplicatePolicyAttachmentException":
                raise
        return Deployed(f"{inputs['targetId']}:{inputs['policyId']}")

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        target, _sep, policy = current.id.partition(":")
        ignore_missing(_org(ctx).detach_policy, PolicyId=policy, TargetId=target)


class DelegatedAdministrator(Handler):
    type = "aws:organizations/delegatedAdministrator:DelegatedAdministrator"
    replace_on = frozenset({"accountId", "servicePrincipal"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        client = _org(ctx)
        account_id, principal = inputs["accountId"], inputs["servicePrincipal"]
        try:
            client.register_delegated_administrator(
                AccountId=account_id, ServicePrincipal=principal
            )
        except Exception as exc:
            if error_code(exc) != "AccountAlreadyRegisteredException":
                raise
        account = client.describe_account(AccountId=account_id)["Account"]
        return Deployed(
            f"{account_id}/{principal}",
            {
                "arn": account["Arn"],
                "email": account["Email"],
                "name": account["Name"],
                "status": account["Status"],
                "joinedMethod": account.get("JoinedMethod", "CREATED"),
            },
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        account_id, _sep, principal = current.id.partition("/")
        ignore_missing(
            _org(ctx).deregister_delegated_administrator,
            AccountId=account_id,
            ServicePrincipal=principal,
        )


class AwsServiceAccess(PutHandler):
    type = "aws:organizations/awsServiceAccess:AwsServiceAccess"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        principal = inputs["servicePrincipal"]
        _org(ctx).enable_aws_service_access(ServicePrincipal=principal)
        return Deployed(principal)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_org(ctx).disable_aws_service_access, ServicePrincipal=current.id)


HANDLERS: tuple[Handler, ...] = (
    Organization(),
    OrganizationalUnit(),
    Account(),
    Policy(),
    PolicyAttachment(),
    DelegatedAdministrator(),
    AwsServiceAccess(),
)
