"""IAM: roles, inline and managed policies, attachments, OIDC providers, the password policy."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    PutHandler,
    ResourceContext,
    as_int,
    as_json,
    drop_none,
    ignore_missing,
    tag_list,
)
from pcizone.local.moto_extensions import ensure_aws_managed_policy, is_aws_managed_policy

_MAX_POLICY_VERSIONS = 5  # IAM keeps at most five versions of a managed policy


def _iam(ctx: ResourceContext) -> Any:
    return ctx.client("iam")


def _attachable(ctx: ResourceContext, arn: str) -> None:
    """AWS managed policies exist in every account; the emulator adds them when first used."""
    if is_aws_managed_policy(arn):
        ensure_aws_managed_policy(ctx.account, arn)


class Role(Handler):
    type = "aws:iam/role:Role"
    replace_on = frozenset({"name", "namePrefix", "path"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = ctx.name_or_auto(inputs)
        role = _iam(ctx).create_role(
            **drop_none(
                {
                    "RoleName": name,
                    "Path": inputs.get("path") or "/",
                    "AssumeRolePolicyDocument": as_json(inputs["assumeRolePolicy"]),
                    "Description": inputs.get("description"),
                    "MaxSessionDuration": as_int(inputs.get("maxSessionDuration")),
                    "PermissionsBoundary": inputs.get("permissionsBoundary"),
                    "Tags": tag_list(ctx.tags(inputs)) or None,
                }
            )
        )["Role"]
        self._inline(ctx, name, inputs)
        return Deployed(
            name,
            {
                "name": name,
                "arn": role["Arn"],
                "uniqueId": role["RoleId"],
                "createDate": role["CreateDate"].isoformat(),
                "tagsAll": ctx.tags(inputs),
            },
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        client = _iam(ctx)
        if "assumeRolePolicy" in changed:
            client.update_assume_role_policy(
                RoleName=current.id, PolicyDocument=as_json(inputs["assumeRolePolicy"])
            )
        client.update_role(
            **drop_none(
                {
                    "RoleName": current.id,
                    "Description": inputs.get("description") or "",
                    "MaxSessionDuration": as_int(inputs.get("maxSessionDuration")),
                }
            )
        )
        if inputs.get("permissionsBoundary"):
            client.put_role_permissions_boundary(
                RoleName=current.id, PermissionsBoundary=inputs["permissionsBoundary"]
            )
        elif "permissionsBoundary" in changed:
            ignore_missing(client.delete_role_permissions_boundary, RoleName=current.id)
        tags = ctx.tags(inputs)
        if tags:
            client.tag_role(RoleName=current.id, Tags=tag_list(tags))
        self._inline(ctx, current.id, inputs)
        return Deployed(current.id, {**current.outputs, "tagsAll": tags})

    def _inline(self, ctx: ResourceContext, role: str, inputs: dict[str, Any]) -> None:
        client = _iam(ctx)
        for policy in inputs.get("inlinePolicies") or []:
            if policy.get("name") and policy.get("policy"):
                client.put_role_policy(
                    RoleName=role, PolicyName=policy["name"], PolicyDocument=policy["policy"]
                )
        for arn in inputs.get("managedPolicyArns") or []:
            _attachable(ctx, arn)
            client.attach_role_policy(RoleName=role, PolicyArn=arn)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        client = _iam(ctx)
        # IAM refuses to delete a role with policies; Pulumi detaches them first too.
        try:
            names = client.list_role_policies(RoleName=current.id)["PolicyNames"]
            attached = client.list_attached_role_policies(RoleName=current.id)["AttachedPolicies"]
        except Exception:
            names, attached = [], []
        for name in names:
            ignore_missing(client.delete_role_policy, RoleName=current.id, PolicyName=name)
        for policy in attached:
            ignore_missing(
                client.detach_role_policy, RoleName=current.id, PolicyArn=policy["PolicyArn"]
            )
        ignore_missing(client.delete_role, RoleName=current.id)


class RolePolicy(PutHandler):
    """An inline policy: id `role:policy`, as pulumi-aws formats it."""

    type = "aws:iam/rolePolicy:RolePolicy"
    replace_on = frozenset({"role", "name", "namePrefix"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        role = str(inputs["role"])
        name = ctx.name_or_auto(inputs, max_len=128)
        _iam(ctx).put_role_policy(
            RoleName=role, PolicyName=name, PolicyDocument=as_json(inputs["policy"])
        )
        return Deployed(f"{role}:{name}", {"name": name})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        role, _sep, name = current.id.partition(":")
        ignore_missing(_iam(ctx).delete_role_policy, RoleName=role, PolicyName=name)


class Policy(Handler):
    """A managed policy: id is its ARN; a changed document becomes the new default version."""

    type = "aws:iam/policy:Policy"
    replace_on = frozenset({"name", "namePrefix", "path", "description"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = ctx.name_or_auto(inputs, max_len=128)
        policy = _iam(ctx).create_policy(
            **drop_none(
                {
                    "PolicyName": name,
                    "Path": inputs.get("path") or "/",
                    "PolicyDocument": as_json(inputs["policy"]),
                    "Description": inputs.get("description"),
                    "Tags": tag_list(ctx.tags(inputs)) or None,
                }
            )
        )["Policy"]
        return Deployed(
            policy["Arn"],
            {
                "arn": policy["Arn"],
                "name": name,
                "policyId": policy["PolicyId"],
                "attachmentCount": 0,
                "tagsAll": ctx.tags(inputs),
            },
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        client = _iam(ctx)
        if "policy" in changed:
            versions = client.list_policy_versions(PolicyArn=current.id)["Versions"]
            old = sorted((v for v in versions if not v["IsDefaultVersion"]), key=_version_number)
            while old and len(versions) >= _MAX_POLICY_VERSIONS:
                client.delete_policy_version(PolicyArn=current.id, VersionId=old[0]["VersionId"])
                versions = [v for v in versions if v["VersionId"] != old[0]["VersionId"]]
                old = old[1:]
            client.create_policy_version(
                PolicyArn=current.id, PolicyDocument=as_json(inputs["policy"]), SetAsDefault=True
            )
        tags = ctx.tags(inputs)
        if tags:
            client.tag_policy(PolicyArn=current.id, Tags=tag_list(tags))
        return Deployed(current.id, {**current.outputs, "tagsAll": tags})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        client = _iam(ctx)
        try:
            versions = client.list_policy_versions(PolicyArn=current.id)["Versions"]
        except Exception:
            versions = []
        for version in versions:
            if not version["IsDefaultVersion"]:
                ignore_missing(
                    client.delete_policy_version,
                    PolicyArn=current.id,
                    VersionId=version["VersionId"],
                )
        ignore_missing(client.delete_policy, PolicyArn=current.id)


def _version_number(version: dict[str, Any]) -> int:
    return int(str(version["VersionId"]).lstrip("v") or 0)


class RolePolicyAttachment(Handler):
    type = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    replace_on = frozenset({"role", "policyArn"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        role, arn = str(inputs["role"]), str(inputs["policyArn"])
        _attachable(ctx, arn)
        _iam(ctx).attach_role_policy(RoleName=role, PolicyArn=arn)
        return Deployed(f"{role}/{arn}")

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        role, _sep, arn = current.id.partition("/")
        ignore_missing(_iam(ctx).detach_role_policy, RoleName=role, PolicyArn=arn)


class OpenIdConnectProvider(Handler):
    """id and arn are the provider's ARN; client ids and thumbprints change in place."""

    type = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
    replace_on = frozenset({"url"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        arn = _iam(ctx).create_open_id_connect_provider(
            **drop_none(
                {
                    "Url": inputs["url"],
                    "ClientIDList": list(inputs.get("clientIdLists") or []),
                    "ThumbprintList": list(inputs.get("thumbprintLists") or []),
                    "Tags": tag_list(ctx.tags(inputs)) or None,
                }
            )
        )["OpenIDConnectProviderArn"]
        host = urlsplit(inputs["url"]).netloc or inputs["url"]
        return Deployed(arn, {"arn": arn, "tagsAll": ctx.tags(inputs), "urlHost": host})

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        client = _iam(ctx)
        if "thumbprintLists" in changed:
            client.update_open_id_connect_provider_thumbprint(
                OpenIDConnectProviderArn=current.id,
                ThumbprintList=list(inputs.get("thumbprintLists") or []),
            )
        if "clientIdLists" in changed:
            now = set(
                client.get_open_id_connect_provider(OpenIDConnectProviderArn=current.id)[
                    "ClientIDList"
                ]
            )
            wanted = set(inputs.get("clientIdLists") or [])
            for client_id in sorted(wanted - now):
                client.add_client_id_to_open_id_connect_provider(
                    OpenIDConnectProviderArn=current.id, ClientID=client_id
                )
            for client_id in sorted(now - wanted):
                client.remove_client_id_from_open_id_connect_provider(
                    OpenIDConnectProviderArn=current.id, ClientID=client_id
                )
        return Deployed(current.id, {**current.outputs, "tagsAll": ctx.tags(inputs)})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(
            _iam(ctx).delete_open_id_connect_provider, OpenIDConnectProviderArn=current.id
        )


class AccountPasswordPolicy(PutHandler):
    type = "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        _iam(ctx).update_account_password_policy(
            **drop_none(
                {
                    "MinimumPasswordLength": as_int(inputs.get("minimumPasswordLength")),
                    "RequireSymbols": inputs.get("requireSymbols"),
                    "RequireNumbers": inputs.get("requireNumbers"),
                    "RequireUppercaseCharacters": inputs.get("requireUppercaseCharacters"),
                    "RequireLowercaseCharacters": inputs.get("requireLowercaseCharacters"),
                    "AllowUsersToChangePassword": inputs.get("allowUsersToChangePassword"),
                    "MaxPasswordAge": as_int(inputs.get("maxPasswordAge")),
                    "PasswordReusePrevention": as_int(inputs.get("passwordReusePrevention")),
                    "HardExpiry": inputs.get("hardExpiry"),
                }
            )
        )
        return Deployed(
            "iam-account-password-policy", {"expirePasswords": bool(inputs.get("maxPasswordAge"))}
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_iam(ctx).delete_account_password_policy)


class ServiceLinkedRole(Handler):
    type = "aws:iam/serviceLinkedRole:ServiceLinkedRole"
    replace_on = frozenset({"awsServiceName", "customSuffix"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        role = _iam(ctx).create_service_linked_role(
            **drop_none(
                {
                    "AWSServiceName": inputs["awsServiceName"],
                    "Description": inputs.get("description"),
                    "CustomSuffix": inputs.get("customSuffix"),
                }
            )
        )["Role"]
        return Deployed(
            role["Arn"],
            {
                "arn": role["Arn"],
                "name": role["RoleName"],
                "path": role["Path"],
                "uniqueId": role["RoleId"],
                "createDate": role["CreateDate"].isoformat(),
            },
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        name = str(current.outputs.get("name") or current.id.rsplit("/", 1)[-1])
        ignore_missing(_iam(ctx).delete_service_linked_role, RoleName=name)


HANDLERS: tuple[Handler, ...] = (
    Role(),
    RolePolicy(),
    Policy(),
    RolePolicyAttachment(),
    OpenIdConnectProvider(),
    AccountPasswordPolicy(),
    ServiceLinkedRole(),
)
