"""Secrets Manager: secrets, their values and resource policies (a secret's id is its ARN)."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    PutHandler,
    ResourceContext,
    as_json,
    drop_none,
    ignore_missing,
    tag_list,
)


def _secrets(ctx: ResourceContext) -> Any:
    return ctx.client("secretsmanager")


class Secret(Handler):
    type = "aws:secretsmanager/secret:Secret"
    replace_on = frozenset({"name", "namePrefix"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = ctx.name_or_auto(inputs, max_len=512)
        created = _secrets(ctx).create_secret(
            **drop_none(
                {
                    "Name": name,
                    "Description": inputs.get("description"),
                    "KmsKeyId": inputs.get("kmsKeyId") or None,
                    "Tags": tag_list(ctx.tags(inputs)) or None,
                }
            )
        )
        if inputs.get("policy"):
            _secrets(ctx).put_resource_policy(
                SecretId=created["ARN"], ResourcePolicy=as_json(inputs["policy"])
            )
        return Deployed(
            created["ARN"], {"arn": created["ARN"], "name": name, "tagsAll": ctx.tags(inputs)}
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        client = _secrets(ctx)
        if changed & {"description", "kmsKeyId"}:
            client.update_secret(
                **drop_none(
                    {
                        "SecretId": current.id,
                        "Description": inputs.get("description") or "",
                        "KmsKeyId": inputs.get("kmsKeyId") or None,
                    }
                )
            )
        if "policy" in changed:
            if inputs.get("policy"):
                client.put_resource_policy(
                    SecretId=current.id, ResourcePolicy=as_json(inputs["policy"])
                )
            else:
                client.delete_resource_policy(SecretId=current.id)
        tags = ctx.tags(inputs)
        if tags:
            client.tag_resource(SecretId=current.id, Tags=tag_list(tags))
        return Deployed(current.id, {**current.outputs, "tagsAll": tags})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        # No recovery window: a local cloud's secrets are never restored.
        ignore_missing(
            _secrets(ctx).delete_secret, SecretId=current.id, ForceDeleteWithoutRecovery=True
        )


class SecretVersion(Handler):
    """id `<secret ARN>|<version id>`, as pulumi-aws's; a new value is a new version."""

    type = "aws:secretsmanager/secretVersion:SecretVersion"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        params: dict[str, Any] = {"SecretId": inputs["secretId"]}
        if inputs.get("secretString") is not None:
            params["SecretString"] = inputs["secretString"]
        elif inputs.get("secretBinary") is not None:
            params["SecretBinary"] = inputs["secretBinary"]
        if inputs.get("versionStages"):
            params["VersionStages"] = list(inputs["versionStages"])
        put = _secrets(ctx).put_secret_value(**params)
        return Deployed(
            f"{put['ARN']}|{put['VersionId']}",
            {
                "arn": put["ARN"],
                "versionId": put["VersionId"],
                "versionStages": list(put.get("VersionStages") or ["AWSCURRENT"]),
            },
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        # Like pulumi-aws: the version stays in the secret's history, only unmanaged.
        return


class SecretPolicy(PutHandler):
    type = "aws:secretsmanager/secretPolicy:SecretPolicy"
    replace_on = frozenset({"secretArn"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        arn = str(inputs["secretArn"])
        _secrets(ctx).put_resource_policy(SecretId=arn, ResourcePolicy=as_json(inputs["policy"]))
        return Deployed(arn)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_secrets(ctx).delete_resource_policy, SecretId=current.id)


HANDLERS: tuple[Handler, ...] = (Secret(), SecretVersion(), SecretPolicy())
