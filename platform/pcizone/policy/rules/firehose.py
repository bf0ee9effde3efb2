"""Kinesis Data Firehose (the log pipeline): encrypted in the stream and at the destination."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pcizone.policy import aws_types as t
from pcizone.policy import values
from pcizone.policy.spec import Level, NotApplicable, Severity, resource_policy
from pcizone.policy.views import Context, Resource


@resource_policy(
    "pci-firehose-sse",
    "Firehose delivery streams encrypt buffered records with a customer managed KMS key.",
    requirements=("3.5.1", "10.3.2"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.FIREHOSE,),
    remediation=(
        "Set server_side_encryption enabled=True, key_type CUSTOMER_MANAGED_CMK, key_arn."
    ),
)
def firehose_sse(stream: Resource, _ctx: Context) -> Iterator[str]:
    if stream.props.get("kinesisSourceConfiguration") is not None:
        raise NotApplicable("records are encrypted by the source Kinesis stream")
    sse = stream.props.get("serverSideEncryption")
    if values.as_bool(values.get(sse, "enabled")) is not True:
        yield "serverSideEncryption.enabled is not true"
        return
    if values.get(sse, "keyType") != "CUSTOMER_MANAGED_CMK":
        yield "serverSideEncryption.keyType is not CUSTOMER_MANAGED_CMK"
    elif values.as_str(values.get(sse, "keyArn")) is None:
        yield "serverSideEncryption.keyArn is not set"


def _destination_kms(stream: Resource) -> list[tuple[str, str | None]]:
    """(destination, KMS key ARN or None) for each S3 destination or S3 backup configured."""
    found: list[tuple[str, str | None]] = []
    for key, config in stream.props.items():
        if not key.endswith("Configuration") or not isinstance(config, Mapping):
            continue
        if key == "extendedS3Configuration":
            found.append((key, values.as_str(config.get("kmsKeyArn"))))
        elif isinstance(config.get("s3Configuration"), Mapping):
            s3 = config["s3Configuration"]
            found.append((f"{key}.s3Configuration", values.as_str(s3.get("kmsKeyArn"))))
    return found


@resource_policy(
    "pci-firehose-destination-kms",
    "Firehose delivery streams write to S3 with a customer managed KMS key.",
    requirements=("3.5.1", "10.3.2"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.FIREHOSE,),
    remediation="Set extended_s3_configuration.kms_key_arn to the log archive key ARN.",
)
def firehose_destination_kms(stream: Resource, _ctx: Context) -> Iterator[str]:
    destinations = _destination_kms(stream)
    if not destinations:
        yield "no S3 destination configuration to check"
    for where, key in destinations:
        if key is None:
            yield f"{where}.kmsKeyArn is not set"
