"""The region's EBS defaults: encryption of new volumes and the key it uses."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    PutHandler,
    ResourceContext,
    as_bool,
    ignore_missing,
)
from pcizone.local.deploy.handlers.ec2_common import ec2_client


class EbsEncryptionByDefault(PutHandler):
    """The region's default for new EBS volumes; id is the region, as pulumi-aws's."""

    type = "aws:ebs/encryptionByDefault:EncryptionByDefault"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        client = ec2_client(ctx)
        enabled = as_bool(inputs.get("enabled"))
        if enabled is None or enabled:
            client.enable_ebs_encryption_by_default()
        else:
            client.disable_ebs_encryption_by_default()
        return Deployed(ctx.region)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(ec2_client(ctx).disable_ebs_encryption_by_default)


class EbsDefaultKmsKey(PutHandler):
    type = "aws:ebs/defaultKmsKey:DefaultKmsKey"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        ec2_client(ctx).modify_ebs_default_kms_key_id(KmsKeyId=inputs["keyArn"])
        return Deployed(str(inputs["keyArn"]))

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(ec2_client(ctx).reset_ebs_default_kms_key_id)


HANDLERS: tuple[Handler, ...] = (
    EbsEncryptionByDefault(),
    EbsDefaultKmsKey(),
)
