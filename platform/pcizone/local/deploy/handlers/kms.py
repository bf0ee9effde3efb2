"""KMS keys and aliases (the emulator stores key policies; it does not enforce them)."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    ResourceContext,
    as_int,
    as_json,
    drop_none,
    ignore_missing,
    tag_list,
)

_MIN_DELETION_WINDOW_DAYS = 7


def _kms(ctx: ResourceContext) -> Any:
    return ctx.client("kms")


class Key(Handler):
    type = "aws:kms/key:Key"
    replace_on = frozenset({"customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        client = _kms(ctx)
        key = client.create_key(
            **drop_none(
                {
                    "Description": inputs.get("description"),
                    "KeyUsage": inputs.get("keyUsage") or "ENCRYPT_DECRYPT",
                    "KeySpec": inputs.get("customerMasterKeySpec") or "SYMMETRIC_DEFAULT",
                    "Policy": as_json(inputs.get("policy")),
                    "MultiRegion": inputs.get("multiRegion"),
                    "BypassPolicyLockoutSafetyCheck": inputs.get("bypassPolicyLockoutSafetyCheck"),
                    "Tags": tag_list(ctx.tags(inputs), "TagKey", "TagValue") or None,
                }
            )
        )["KeyMetadata"]
        self._settings(ctx, key["KeyId"], inputs)
        return Deployed(
            key["KeyId"], {"keyId": key["KeyId"], "arn": key["Arn"], "tagsAll": ctx.tags(inputs)}
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        client = _kms(ctx)
        if "policy" in changed and inputs.get("policy"):
            client.put_key_policy(
                KeyId=current.id, PolicyName="default", Policy=as_json(inputs["policy"])
            )
        if "description" in changed:
            client.update_key_description(
                KeyId=current.id, Description=inputs.get("description") or ""
            )
        tags = ctx.tags(inputs)
        if tags:
            client.tag_resource(KeyId=current.id, Tags=tag_list(tags, "TagKey", "TagValue"))
        self._settings(ctx, current.id, inputs)
        return Deployed(current.id, {**current.outputs, "tagsAll": tags})

    def _settings(self, ctx: ResourceContext, key_id: str, inputs: dict[str, Any]) -> None:
        client = _kms(ctx)
        if inputs.get("enableKeyRotation"):
            period = as_int(inputs.get("rotationPeriodInDays"))
            params = {"KeyId": key_id, **({"RotationPeriodInDays": period} if period else {})}
            client.enable_key_rotation(**params)
        elif inputs.get("keyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT":
            client.disable_key_rotation(KeyId=key_id)
        if inputs.get("isEnabled") is False:
            client.disable_key(KeyId=key_id)
        else:
            client.enable_key(KeyId=key_id)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        # The shortest window AWS allows: the key is unusable at once and gone a week later.
        ignore_missing(
            _kms(ctx).schedule_key_deletion,
            KeyId=current.id,
            PendingWindowInDays=_MIN_DELETION_WINDOW_DAYS,
        )


class Alias(Handler):
    type = "aws:kms/alias:Alias"
    replace_on = frozenset({"name", "namePrefix"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = inputs.get("name") or f"alias/{ctx.autoname(250)}"
        client = _kms(ctx)
        client.create_alias(AliasName=name, TargetKeyId=inputs["targetKeyId"])
        return Deployed(name, {"name": name, **self._outputs(ctx, name, inputs["targetKeyId"])})

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        _kms(ctx).update_alias(AliasName=current.id, TargetKeyId=inputs["targetKeyId"])
        return Deployed(
            current.id, {**current.outputs, **self._outputs(ctx, current.id, inputs["targetKeyId"])}
        )

    def _outputs(self, ctx: ResourceContext, name: str, target: str) -> dict[str, Any]:
        key = _kms(ctx).describe_key(KeyId=target)["KeyMetadata"]
        return {"arn": ctx.arn("kms", name), "targetKeyArn": key["Arn"]}

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_kms(ctx).delete_alias, AliasName=current.id)


HANDLERS: tuple[Handler, ...] = (Key(), Alias())
