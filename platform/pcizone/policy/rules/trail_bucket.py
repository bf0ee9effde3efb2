"""The bucket a CloudTrail trail writes to: Object Lock, access logging, a year of lifecycle.

Versioning and TLS-only for this bucket are judged by pci-s3-versioning and pci-s3-tls-only.
"""

from __future__ import annotations

from collections.abc import Iterator

from pcizone.policy import aws_types as t
from pcizone.policy import values
from pcizone.policy.rules.s3 import companions, required_companions
from pcizone.policy.rules.select import trail_buckets
from pcizone.policy.spec import Level, Severity, stack_policy
from pcizone.policy.views import Context, Resource, Stack

MIN_RETENTION_DAYS = 365
LOCK_MODES = ("COMPLIANCE", "GOVERNANCE")


@stack_policy(
    "pci-trail-bucket-object-lock",
    "The trail bucket has S3 Object Lock with a default retention of at least 365 days.",
    requirements=("10.3.2", "10.3.3", "10.5.1"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.S3_BUCKET,),
    subjects=trail_buckets,
    remediation=(
        "Create the bucket with object_lock_enabled=True and add a "
        "BucketObjectLockConfiguration whose default retention is COMPLIANCE for 365+ days."
    ),
)
def trail_bucket_object_lock(bucket: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    if values.as_bool(bucket.props.get("objectLockEnabled")) is not True:
        yield "objectLockEnabled is not true on the bucket"
    configs = yield from required_companions(bucket, stack, t.S3_BUCKET_OBJECT_LOCK)
    if not configs:
        return
    for config in configs:
        retention = values.get(config.props.get("rule"), "defaultRetention")
        mode = values.as_str(values.get(retention, "mode"))
        days = values.as_number(values.get(retention, "days")) or 0.0
        years = values.as_number(values.get(retention, "years")) or 0.0
        if mode in LOCK_MODES and max(days, years * 365) >= MIN_RETENTION_DAYS:
            return
    yield "no default retention of at least 365 days in COMPLIANCE or GOVERNANCE mode"


@stack_policy(
    "pci-trail-bucket-access-logging",
    "The trail bucket logs every request made to it to a separate access-log bucket.",
    requirements=("10.2.1", "10.2.1.3", "10.3.2"),
    severity=Severity.MEDIUM,
    enforcement=Level.MANDATORY,
    types=(t.S3_BUCKET,),
    subjects=trail_buckets,
    remediation="Add an aws.s3.BucketLogging with target_bucket set to the access-log bucket.",
)
def trail_bucket_access_logging(bucket: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    for logging in companions(bucket, stack, t.S3_BUCKET_LOGGING):
        if logging.refers_to("targetBucket", bucket, "bucket"):
            yield f"BucketLogging {logging.name} sends the bucket's access logs to itself"
            return
        if values.as_str(logging.props.get("targetBucket")) is not None:
            return
    yield "no BucketLogging with a targetBucket names this bucket"


def _short_expirations(rule: object) -> list[str]:
    found: list[str] = []
    expiration = values.as_number(values.get(values.get(rule, "expiration"), "days"))
    if expiration is not None and expiration < MIN_RETENTION_DAYS:
        found.append(f"expiration after {values.fmt_number(expiration)} days")
    noncurrent = values.get(rule, "noncurrentVersionExpiration")
    days = values.as_number(values.get(noncurrent, "noncurrentDays"))
    if days is not None and days < MIN_RETENTION_DAYS:
        found.append(f"noncurrent versions expire after {values.fmt_number(days)} days")
    return found


@stack_policy(
    "pci-trail-bucket-lifecycle",
    "The trail bucket has a lifecycle configuration that keeps logs for at least 365 days.",
    requirements=("10.5.1", "3.2.1"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.S3_BUCKET,),
    subjects=trail_buckets,
    remediation=(
        "Add an aws.s3.BucketLifecycleConfiguration whose enabled rules expire objects and "
        "noncurrent versions no sooner than 365 days."
    ),
)
def trail_bucket_lifecycle(bucket: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    configs = yield from required_companions(bucket, stack, t.S3_BUCKET_LIFECYCLE)
    if not configs:
        return
    enabled = 0
    for config in configs:
        for rule in values.as_list(config.props.get("rules")):
            if values.get(rule, "status") != "Enabled":
                continue
            enabled += 1
            rule_id = values.as_str(values.get(rule, "id")) or "?"
            for problem in _short_expirations(rule):
                yield f"lifecycle rule {rule_id}: {problem}, below 365"
    if enabled == 0:
        yield "the lifecycle configuration has no enabled rule"
