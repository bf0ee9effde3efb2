"""S3 buckets: SSE-KMS, public access block, TLS-only policy, versioning for data and logs.

In pulumi-aws 7 these settings are companion resources that name the bucket (`bucket`), so
these are stack policies: a bucket passes when a companion in the same stack configures it.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence

from pcizone.core.naming import DataClass
from pcizone.policy import aws_types as t
from pcizone.policy import values
from pcizone.policy.checks import statement_found, tls_only, type_name
from pcizone.policy.rules.select import trail_buckets
from pcizone.policy.spec import Level, Severity, stack_policy
from pcizone.policy.views import Context, Resource, Stack

KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
# S3 server access logging delivers only to buckets whose default encryption is SSE-S3.
SSE_S3 = "AES256"
PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


def companions(bucket: Resource, stack: Stack, type_: str) -> list[Resource]:
    """The `type_` resources in the stack that configure `bucket`."""
    return stack.referrers(bucket, (type_,), "bucket", "bucket")


def required_companions(
    bucket: Resource, stack: Stack, type_: str
) -> Generator[str, None, list[Resource]]:
    """`companions`, yielding `no <type> names this bucket` when there are none."""
    found = companions(bucket, stack, type_)
    if not found:
        yield f"no {type_name(type_)} names this bucket"
    return found


def is_access_log_target(bucket: Resource, stack: Stack) -> bool:
    """Whether a BucketLogging in the stack delivers S3 server access logs to `bucket`."""
    return bool(stack.referrers(bucket, (t.S3_BUCKET_LOGGING,), "targetBucket", "bucket"))


@stack_policy(
    "pci-s3-sse-kms",
    "S3 buckets encrypt objects by default with SSE-KMS under a customer managed key; a "
    "bucket that receives S3 server access logs may use SSE-S3.",
    requirements=("3.5.1", "10.3.2"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.S3_BUCKET,),
    remediation=(
        "Add an aws.s3.BucketServerSideEncryptionConfiguration with sse_algorithm aws:kms "
        "and kms_master_key_id set (AES256 for a server access log target bucket)."
    ),
)
def s3_sse_kms(bucket: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    configs = yield from required_companions(bucket, stack, t.S3_BUCKET_SSE)
    if not configs:
        return
    log_target = is_access_log_target(bucket, stack)
    for config in configs:
        for rule in values.as_list(config.props.get("rules")):
            default = values.get(rule, "applyServerSideEncryptionByDefault")
            algorithm = values.as_str(values.get(default, "sseAlgorithm"))
            key = values.as_str(values.get(default, "kmsMasterKeyId"))
            if algorithm in KMS_ALGORITHMS and key is not None:
                return
            if log_target and algorithm == SSE_S3:
                return
    yield "default encryption is not aws:kms with a kmsMasterKeyId"


@stack_policy(
    "pci-s3-public-access-block",
    "S3 buckets block every form of public access.",
    requirements=("1.3.1", "1.4.4", "7.2.1"),
    severity=Severity.CRITICAL,
    enforcement=Level.MANDATORY,
    types=(t.S3_BUCKET,),
    remediation="Add an aws.s3.BucketPublicAccessBlock with all four flags True.",
)
def s3_public_access_block(bucket: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    blocks = yield from required_companions(bucket, stack, t.S3_BUCKET_PUBLIC_ACCESS_BLOCK)
    for block in blocks:
        off = [f for f in PUBLIC_ACCESS_FLAGS if values.as_bool(block.props.get(f)) is not True]
        if not off:
            return
        yield f"BucketPublicAccessBlock {block.name}: {', '.join(off)} not true"


@stack_policy(
    "pci-s3-tls-only",
    "S3 bucket policies deny every request that does not use TLS.",
    requirements=("4.2.1",),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.S3_BUCKET,),
    remediation=(
        "Add a BucketPolicy statement: Deny, Principal *, Action s3:*, Condition "
        'Bool {"aws:SecureTransport": "false"}.'
    ),
)
def s3_tls_only(bucket: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    policies = yield from required_companions(bucket, stack, t.S3_BUCKET_POLICY)
    found = ((p.name, p.props.get("policy")) for p in policies)
    if policies and not (yield from statement_found(found, tls_only("s3"))):
        yield "no bucket policy statement denies requests without aws:SecureTransport"


def _data_and_log_buckets(stack: Stack, ctx: Context) -> Sequence[Resource]:
    wanted = (DataClass.CARDHOLDER_DATA, DataClass.LOGS)
    trail_targets = {b.urn for b in trail_buckets(stack, ctx)}
    return [b for b in stack.of_type(t.S3_BUCKET) if b.may_hold(*wanted) or b.urn in trail_targets]


@stack_policy(
    "pci-s3-versioning",
    "Buckets holding cardholder data or logs (or unclassified) keep every object version.",
    requirements=("10.3.3", "10.5.1"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.S3_BUCKET,),
    subjects=_data_and_log_buckets,
    remediation="Add an aws.s3.BucketVersioning with versioning_configuration status Enabled.",
)
def s3_versioning(bucket: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    for versioning in companions(bucket, stack, t.S3_BUCKET_VERSIONING):
        status = values.get(versioning.props.get("versioningConfiguration"), "status")
        if status == "Enabled":
            return
    yield "no BucketVersioning with status Enabled names this bucket"
