"""S3 buckets and the resources that configure them (each configuration's id is the bucket).

The emulator stores public access blocks, lifecycle rules and bucket policies; it enforces
object lock and versioning.
"""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    PutHandler,
    ResourceContext,
    api_shape,
    as_bool,
    as_int,
    as_json,
    drop_none,
    error_code,
    ignore_missing,
    tag_list,
)

_US_EAST_1 = "us-east-1"  # the one region where CreateBucket takes no location constraint
_MAX_BUCKET_NAME = 63


def _s3(ctx: ResourceContext) -> Any:
    return ctx.client("s3")


class Bucket(Handler):
    type = "aws:s3/bucket:Bucket"
    replace_on = frozenset({"bucket", "bucketPrefix", "objectLockEnabled"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = ctx.name_or_auto(inputs, "bucket", _MAX_BUCKET_NAME).lower()
        client = _s3(ctx)
        params: dict[str, Any] = {"Bucket": name}
        if ctx.region != _US_EAST_1:
            params["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
        if as_bool(inputs.get("objectLockEnabled")):
            params["ObjectLockEnabledForBucket"] = True
        client.create_bucket(**params)
        self._tag(ctx, name, inputs)
        return Deployed(name, self._outputs(ctx, name, inputs))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        self._tag(ctx, current.id, inputs)
        return Deployed(current.id, self._outputs(ctx, current.id, inputs))

    def _tag(self, ctx: ResourceContext, name: str, inputs: dict[str, Any]) -> None:
        tags = ctx.tags(inputs)
        if tags:
            _s3(ctx).put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})

    def _outputs(self, ctx: ResourceContext, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {
            "bucket": name,
            "arn": f"arn:aws:s3:::{name}",
            "region": ctx.region,
            "bucketDomainName": f"{name}.s3.amazonaws.com",
            "bucketRegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com",
            "tagsAll": ctx.tags(inputs),
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        client = _s3(ctx)
        try:
            self._empty(client, current.id)
        except Exception as exc:
            if error_code(exc) == "NoSuchBucket":
                return
            raise
        ignore_missing(client.delete_bucket, Bucket=current.id)

    def _empty(self, client: Any, name: str) -> None:
        """Delete every object version: the local cloud is thrown away, never archived."""
        for page in client.get_paginator("list_object_versions").paginate(Bucket=name):
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                client.delete_object(
                    Bucket=name,
                    Key=item["Key"],
                    VersionId=item["VersionId"],
                    BypassGovernanceRetention=True,
                )


class BucketVersioning(PutHandler):
    type = "aws:s3/bucketVersioning:BucketVersioning"
    replace_on = frozenset({"bucket"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        config = inputs["versioningConfiguration"]
        _s3(ctx).put_bucket_versioning(
            Bucket=inputs["bucket"],
            VersioningConfiguration=drop_none(
                {"Status": config["status"], "MFADelete": config.get("mfaDelete")}
            ),
        )
        return Deployed(str(inputs["bucket"]))

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        # Versioning cannot be switched off, only suspended (what pulumi-aws does too).
        ignore_missing(
            _s3(ctx).put_bucket_versioning,
            Bucket=current.id,
            VersioningConfiguration={"Status": "Suspended"},
        )


class BucketServerSideEncryptionConfiguration(PutHandler):
    type = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    replace_on = frozenset({"bucket"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        rules = api_shape(
            inputs["rules"], {"sseAlgorithm": "SSEAlgorithm", "kmsMasterKeyId": "KMSMasterKeyID"}
        )
        _s3(ctx).put_bucket_encryption(
            Bucket=inputs["bucket"], ServerSideEncryptionConfiguration={"Rules": rules}
        )
        return Deployed(str(inputs["bucket"]))

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_s3(ctx).delete_bucket_encryption, Bucket=current.id)


class BucketPublicAccessBlock(PutHandler):
    type = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
    replace_on = frozenset({"bucket"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        _s3(ctx).put_public_access_block(
            Bucket=inputs["bucket"], PublicAccessBlockConfiguration=_access_block(inputs)
        )
        return Deployed(str(inputs["bucket"]))

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_s3(ctx).delete_public_access_block, Bucket=current.id)


def _access_block(inputs: dict[str, Any]) -> dict[str, bool]:
    return {
        "BlockPublicAcls": bool(as_bool(inputs.get("blockPublicAcls"))),
        "IgnorePublicAcls": bool(as_bool(inputs.get("ignorePublicAcls"))),
        "BlockPublicPolicy": bool(as_bool(inputs.get("blockPublicPolicy"))),
        "RestrictPublicBuckets": bool(as_bool(inputs.get("restrictPublicBuckets"))),
    }


class AccountPublicAccessBlock(PutHandler):
    """The account-wide block (S3 Control); id is the account."""

    type = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        account = str(inputs.get("accountId") or ctx.account)
        ctx.client("s3control").put_public_access_block(
            AccountId=account, PublicAccessBlockConfiguration=_access_block(inputs)
        )
        return Deployed(account, {"accountId": account})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(ctx.client("s3control").delete_public_access_block, AccountId=current.id)


class BucketLifecycleConfiguration(PutHandler):
    type = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
    replace_on = frozenset({"bucket"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        rules = api_shape(inputs["rules"], {"id": "ID"})
        params: dict[str, Any] = {
            "Bucket": inputs["bucket"],
            "LifecycleConfiguration": {"Rules": rules},
        }
        if inputs.get("transitionDefaultMinimumObjectSize"):
            params["TransitionDefaultMinimumObjectSize"] = inputs[
                "transitionDefaultMinimumObjectSize"
            ]
        _s3(ctx).put_bucket_lifecycle_configuration(**params)
        return Deployed(str(inputs["bucket"]))

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_s3(ctx).delete_bucket_lifecycle, Bucket=current.id)


class BucketLogging(PutHandler):
    type = "aws:s3/bucketLogging:BucketLogging"
    replace_on = frozenset({"bucket"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        enabled = drop_none(
            {
                "TargetBucket": inputs["targetBucket"],
                "TargetPrefix": inputs.get("targetPrefix") or "",
                "TargetObjectKeyFormat": api_shape(inputs.get("targetObjectKeyFormat")),
            }
        )
        # S3 checks the target's policy lets the logging service write: the program declares
        # the dependency on that policy (a failure here names the missing grant).
        _s3(ctx).put_bucket_logging(
            Bucket=inputs["bucket"], BucketLoggingStatus={"LoggingEnabled": enabled}
        )
        return Deployed(str(inputs["bucket"]))

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_s3(ctx).put_bucket_logging, Bucket=current.id, BucketLoggingStatus={})


class BucketPolicy(PutHandler):
    type = "aws:s3/bucketPolicy:BucketPolicy"
    replace_on = frozenset({"bucket"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        _s3(ctx).put_bucket_policy(Bucket=inputs["bucket"], Policy=as_json(inputs["policy"]))
        return Deployed(str(inputs["bucket"]))

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_s3(ctx).delete_bucket_policy, Bucket=current.id)


class BucketObjectLockConfiguration(PutHandler):
    type = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
    replace_on = frozenset({"bucket"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        config: dict[str, Any] = {"ObjectLockEnabled": inputs.get("objectLockEnabled") or "Enabled"}
        retention = (inputs.get("rule") or {}).get("defaultRetention")
        if retention:
            config["Rule"] = {
                "DefaultRetention": drop_none(
                    {
                        "Mode": retention.get("mode"),
                        "Days": as_int(retention.get("days")),
                        "Years": as_int(retention.get("years")),
                    }
                )
            }
        _s3(ctx).put_object_lock_configuration(
            Bucket=inputs["bucket"], ObjectLockConfiguration=config
        )
        return Deployed(str(inputs["bucket"]))

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        # Object lock cannot be disabled on a bucket: removing the resource leaves it as is.
        return


class BucketOwnershipControls(PutHandler):
    type = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
    replace_on = frozenset({"bucket"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        _s3(ctx).put_bucket_ownership_controls(
            Bucket=inputs["bucket"],
            OwnershipControls={"Rules": [{"ObjectOwnership": inputs["rule"]["objectOwnership"]}]},
        )
        return Deployed(str(inputs["bucket"]))

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_s3(ctx).delete_bucket_ownership_controls, Bucket=current.id)


HANDLERS: tuple[Handler, ...] = (
    Bucket(),
    BucketVersioning(),
    BucketServerSideEncryptionConfiguration(),
    BucketPublicAccessBlock(),
    AccountPublicAccessBlock(),
    BucketLifecycleConfiguration(),
    BucketLogging(),
    BucketPolicy(),
    BucketObjectLockConfiguration(),
    BucketOwnershipControls(),
)
