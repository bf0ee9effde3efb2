"""Kinesis Data Firehose delivery streams (id: the ARN, as pulumi-aws's). The emulator delivers
what a log subscription sends on to S3."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    ResourceContext,
    as_bool,
    as_int,
    drop_none,
    ignore_missing,
    tag_list,
)


def _firehose(ctx: ResourceContext) -> Any:
    return ctx.client("firehose")


def _extended_s3(config: dict[str, Any]) -> dict[str, Any]:
    logging = config.get("cloudwatchLoggingOptions") or {}
    return drop_none(
        {
            "RoleARN": config["roleArn"],
            "BucketARN": config["bucketArn"],
            "Prefix": config.get("prefix"),
            "ErrorOutputPrefix": config.get("errorOutputPrefix"),
            "BufferingHints": drop_none(
                {
                    "SizeInMBs": as_int(config.get("bufferingSize")),
                    "IntervalInSeconds": as_int(config.get("bufferingInterval")),
                }
            )
            or None,
            "CompressionFormat": config.get("compressionFormat"),
            "EncryptionConfiguration": {
                "KMSEncryptionConfig": {"AWSKMSKeyARN": config["kmsKeyArn"]}
            }
            if config.get("kmsKeyArn")
            else {"NoEncryptionConfig": "NoEncryption"},
            "CloudWatchLoggingOptions": drop_none(
                {
                    "Enabled": as_bool(logging.get("enabled")),
                    "LogGroupName": logging.get("logGroupName"),
                    "LogStreamName": logging.get("logStreamName"),
                }
            )
            or None,
        }
    )


class FirehoseDeliveryStream(Handler):
    type = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
    replace_on = frozenset({"name", "destination", "kinesisSourceConfiguration"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        if inputs.get("destination") != "extended_s3":
            raise ValueError(
                f"only extended_s3 delivery streams are emulated, not {inputs.get('destination')}"
            )
        name = ctx.name_or_auto(inputs)
        sse = inputs.get("serverSideEncryption") or {}
        arn = _firehose(ctx).create_delivery_stream(
            **drop_none(
                {
                    "DeliveryStreamName": name,
                    "DeliveryStreamType": "DirectPut",
                    "ExtendedS3DestinationConfiguration": _extended_s3(
                        inputs["extendedS3Configuration"]
                    ),
                    "DeliveryStreamEncryptionConfigurationInput": drop_none(
                        {"KeyType": sse.get("keyType"), "KeyARN": sse.get("keyArn")}
                    )
                    if as_bool(sse.get("enabled"))
                    else None,
                    "Tags": tag_list(ctx.tags(inputs)) or None,
                }
            )
        )["DeliveryStreamARN"]
        return Deployed(arn, self._outputs(ctx, name, arn, inputs))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        client = _firehose(ctx)
        name = str(current.outputs["name"])
        if "extendedS3Configuration" in changed:
            described = client.describe_delivery_stream(DeliveryStreamName=name)[
                "DeliveryStreamDescription"
            ]
            client.update_destination(
                DeliveryStreamName=name,
                CurrentDeliveryStreamVersionId=described["VersionId"],
                DestinationId=described["Destinations"][0]["DestinationId"],
                ExtendedS3DestinationUpdate=_extended_s3(inputs["extendedS3Configuration"]),
            )
        return Deployed(current.id, self._outputs(ctx, name, current.id, inputs))

    def _outputs(
        self, ctx: ResourceContext, name: str, arn: str, inputs: dict[str, Any]
    ) -> dict[str, Any]:
        described = _firehose(ctx).describe_delivery_stream(DeliveryStreamName=name)[
            "DeliveryStreamDescription"
        ]
        return {
            "arn": arn,
            "name": name,
            "versionId": str(described.get("VersionId", "1")),
            "destinationId": described["Destinations"][0]["DestinationId"],
            "tagsAll": ctx.tags(inputs),
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(
            _firehose(ctx).delete_delivery_stream, DeliveryStreamName=current.outputs["name"]
        )


HANDLERS: tuple[Handler, ...] = (FirehoseDeliveryStream(),)
