"""The log archive: key policy, bucket policies and bucket settings, statement by statement."""

from __future__ import annotations

from typing import Any

import pytest
from pcizone.config.loader import load_stack_config
from pcizone.offline.runner import run_stack

KEY = "aws:kms/key:Key"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ROLE = "aws:iam/role:Role"
TRAIL = "aws:cloudtrail/trail:Trail"
CRYPTO_ACTIONS = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"}


def _type(kind: str) -> str:
    return f"aws:s3/{kind[0].lower()}{kind[1:]}:{kind}"


@pytest.fixture(scope="module")
def facts(org: Any) -> dict[str, str]:
    ids = org.outputs["accountIds"]
    trail_name = org.one(TRAIL, "organization-trail").inputs["name"]
    management = org.outputs["managementAccountId"]
    return {
        "log": ids["logArchive"],
        "management": management,
        "org": org.outputs["organizationId"],
        "bucket": org.outputs["logArchiveBucketArn"],
        "access_bucket": f"arn:aws:s3:::{org.outputs['accessLogBucketName']}",
        "trail": f"arn:aws:cloudtrail:eu-west-1:{management}:trail/{trail_name}",
        "workloads": [ids["dev"], ids["prod"], ids["staging"]],
    }


def test_archive_key_rotates_and_waits_thirty_days_before_deletion(org: Any) -> None:
    inputs = org.one(KEY, "log-archive-key").inputs
    assert inputs["enableKeyRotation"] is True
    assert inputs["rotationPeriodInDays"] == 365
    assert inputs["deletionWindowInDays"] == 30
    assert inputs["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
    assert inputs["bypassPolicyLockoutSafetyCheck"] is False
    assert org.outputs["logArchiveKeyArn"].startswith(
        f"arn:aws:kms:eu-west-1:{org.outputs['accountIds']['logArchive']}:key/"
    )


def test_archive_key_policy_lets_cloudtrail_encrypt_only_for_this_trail(
    org: Any, sids: Any, facts: dict[str, str]
) -> None:
    policy = sids(org.doc(org.one(KEY, "log-archive-key")))
    encrypt = policy["CloudTrailEncryptLogs"]
    assert encrypt["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert encrypt["Action"] == "kms:GenerateDataKey*"
    assert encrypt["Condition"] == {
        "StringEquals": {"aws:SourceArn": facts["trail"]},
        "StringLike": {
            "kms:EncryptionContext:aws:cloudtrail:arn": (
                f"arn:aws:cloudtrail:*:{facts['management']}:trail/*"
            )
        },
    }
    describe = policy["CloudTrailDescribeKey"]
    assert describe["Action"] == "kms:DescribeKey"
    assert describe["Condition"] == {"StringEquals": {"aws:SourceArn": facts["trail"]}}


def test_archive_key_policy_lets_auditors_decrypt_through_s3_only(
    org: Any, sids: Any, facts: dict[str, str]
) -> None:
    auditors = sids(org.doc(org.one(KEY, "log-archive-key")))["AuditorsDecryptLogs"]
    auditor_role = org.one(ROLE, "log-auditor").inputs["name"]
    assert auditors["Principal"] == {"AWS": f"arn:aws:iam::{facts['log']}:role/{auditor_role}"}
    assert auditors["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    assert auditors["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    }
    # KMS rejects a policy naming a principal that does not exist yet.
    key = org.one(KEY, "log-archive-key")
    assert org.one(ROLE, "log-auditor").urn in key.dependencies


def test_archive_key_policy_grants_delivery_services_and_nobody_else_crypto(
    org: Any, sids: Any, facts: dict[str, str]
) -> None:
    policy = sids(org.doc(org.one(KEY, "log-archive-key")))
    assert set(policy) == {
        "KeyAdministration",
        "CloudTrailEncryptLogs",
        "CloudTrailDescribeKey",
        "AuditorsDecryptLogs",
        "StageLogDeliveryEncrypt",
        "ConfigDeliveryEncrypt",
        "AccessLogDeliveryEncrypt",
    }
    admin = policy["KeyAdministration"]
    assert admin["Principal"] == {"AWS": f"arn:aws:iam::{facts['log']}:root"}
    assert not CRYPTO_ACTIONS & set(admin["Action"])
    assert all(s["Effect"] == "Allow" and s["Principal"] != "*" for s in policy.values())
    delivery = policy["StageLogDeliveryEncrypt"]
    assert delivery["Principal"] == {"AWS": [f"arn:aws:iam::{a}:root" for a in facts["workloads"]]}
    assert delivery["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    roles = delivery["Condition"]["ArnEquals"]["aws:PrincipalArn"]
    assert roles == [
        f"arn:aws:iam::{a}:role/pcz-{s}-log-delivery"
        for a, s in zip(facts["workloads"], ("dev", "prod", "staging"), strict=True)
    ]
    assert delivery["Condition"]["StringEquals"] == {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    config = policy["ConfigDeliveryEncrypt"]
    assert config["Principal"] == {"Service": "config.amazonaws.com"}
    assert config["Condition"] == {"StringEquals": {"aws:SourceAccount": facts["workloads"]}}
    access = policy["AccessLogDeliveryEncrypt"]
    assert access["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert access["Condition"] == {"StringEquals": {"aws:SourceAccount": facts["log"]}}


def test_archive_bucket_policy_is_tls_only_and_cloudtrail_writes_only_its_paths(
    org: Any, sids: Any, facts: dict[str, str]
) -> None:
    policy = sids(org.doc(org.one(BUCKET_POLICY, "log-archive-policy")))
    bucket = facts["bucket"]
    tls = policy["DenyInsecureTransport"]
    assert (tls["Effect"], tls["Principal"], tls["Action"]) == ("Deny", "*", "s3:*")
    assert tls["Resource"] == [bucket, f"{bucket}/*"]
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    acl = policy["CloudTrailAclCheck"]
    assert (acl["Action"], acl["Resource"]) == ("s3:GetBucketAcl", bucket)
    assert acl["Condition"] == {"StringEquals": {"aws:SourceArn": facts["trail"]}}
    writes = {
        "CloudTrailOrganizationWrite": f"{bucket}/AWSLogs/{facts['org']}/*",
        "CloudTrailManagementAccountWrite": f"{bucket}/AWSLogs/{facts['management']}/*",
    }
    for sid, resource in writes.items():
        write = policy[sid]
        assert write["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
        assert (write["Action"], write["Resource"]) == ("s3:PutObject", resource)
        assert write["Condition"] == {
            "StringEquals": {
                "s3:x-amz-acl": "bucket-owner-full-control",
                "aws:SourceArn": facts["trail"],
            }
        }
    assert not [s for s in policy.values() if s["Effect"] == "Allow" and s["Principal"] == "*"]


def test_archive_bucket_policy_lets_config_and_stage_pipelines_write_their_own_prefix(
    org: Any, sids: Any, facts: dict[str, str]
) -> None:
    policy = sids(org.doc(org.one(BUCKET_POLICY, "log-archive-policy")))
    bucket = facts["bucket"]
    config = policy["ConfigWrite"]
    assert config["Resource"] == [f"{bucket}/AWSLogs/{a}/Config/*" for a in facts["workloads"]]
    assert config["Condition"]["StringEquals"]["aws:SourceAccount"] == facts["workloads"]
    write = policy["StageLogDeliveryWrite"]
    assert write["Resource"] == f"{bucket}/CloudWatchLogs/${{aws:PrincipalAccount}}/*"
    assert write["Principal"] == {"AWS": [f"arn:aws:iam::{a}:root" for a in facts["workloads"]]}
    assert set(write["Condition"]) == {"ArnEquals"}
    non_kms = policy["DenyNonKmsUploads"]
    assert non_kms["Condition"]["StringNotEquals"] == {"s3:x-amz-server-side-encryption": "aws:kms"}


def test_access_log_bucket_takes_only_s3_server_access_logs_of_the_archive(
    org: Any, sids: Any, facts: dict[str, str]
) -> None:
    policy = sids(org.doc(org.one(BUCKET_POLICY, "access-logs-policy")))
    assert set(policy) == {"DenyInsecureTransport", "ServerAccessLogDelivery"}
    delivery = policy["ServerAccessLogDelivery"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Resource"] == f"{facts['access_bucket']}/*"
    assert delivery["Condition"] == {
        "ArnLike": {"aws:SourceArn": facts["bucket"]},
        "StringEquals": {"aws:SourceAccount": facts["log"]},
    }


@pytest.mark.parametrize("name", ["log-archive", "access-logs"])
def test_archive_buckets_are_encrypted_versioned_private_and_owner_enforced(
    org: Any, name: str
) -> None:
    bucket = org.one(BUCKET, name)
    assert bucket.inputs["forceDestroy"] is False
    key_arn = org.outputs["logArchiveKeyArn"]

    def companion(kind: str, suffix: str) -> dict[str, Any]:
        resource = org.one(_type(kind), f"{name}-{suffix}")
        assert resource.property_dependencies["bucket"] == (bucket.urn,)
        inputs: dict[str, Any] = resource.inputs
        return inputs

    (rule,) = companion("BucketServerSideEncryptionConfiguration", "encryption")["rules"]
    assert rule == {
        "applyServerSideEncryptionByDefault": {
            "sseAlgorithm": "aws:kms",
            "kmsMasterKeyId": key_arn,
        },
        "bucketKeyEnabled": True,
    }
    versioning = companion("BucketVersioning", "versioning")["versioningConfiguration"]
    assert versioning == {"status": "Enabled"}
    block = companion("BucketPublicAccessBlock", "public-access")
    for flag in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block[flag] is True
    ownership = companion("BucketOwnershipControls", "ownership")["rule"]
    assert ownership == {"objectOwnership": "BucketOwnerEnforced"}


def test_archive_bucket_has_object_lock_in_compliance_mode_and_access_logging(org: Any) -> None:
    archive, access = org.one(BUCKET, "log-archive"), org.one(BUCKET, "access-logs")
    assert archive.inputs["objectLockEnabled"] is True
    # S3 cannot deliver access logs into a bucket with default Object Lock retention.
    assert access.inputs["objectLockEnabled"] is False
    lock = org.one(_type("BucketObjectLockConfiguration"), "log-archive-object-lock").inputs
    assert lock["objectLockEnabled"] == "Enabled"
    assert lock["rule"] == {"defaultRetention": {"mode": "COMPLIANCE", "days": 365}}
    logging = org.one(_type("BucketLogging"), "log-archive-access-logging")
    assert logging.property_dependencies["bucket"] == (archive.urn,)
    assert logging.property_dependencies["targetBucket"] == (access.urn,)
    # S3 checks that the target's policy lets the logging service write.
    assert org.one(BUCKET_POLICY, "access-logs-policy").urn in logging.dependencies
    assert logging.inputs["targetBucket"] == org.outputs["accessLogBucketName"]


def _lifecycle(run: Any, name: str) -> dict[str, Any]:
    (config,) = [
        r
        for r in run.of_type(_type("BucketLifecycleConfiguration"))
        if r.name == f"{name}-lifecycle"
    ]
    (rule,) = config.inputs["rules"]
    assert config.inputs["transitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    result: dict[str, Any] = rule
    return result


@pytest.mark.parametrize("name", ["log-archive", "access-logs"])
def test_lifecycle_keeps_three_months_hot_a_year_archived_and_expires_at_retention(
    org: Any, name: str
) -> None:
    _, config, _ = load_stack_config("org")
    settings = config.log_archive  # type: ignore[union-attr]
    rule = _lifecycle(org.run, name)
    assert rule["status"] == "Enabled"
    assert rule["filter"] == {"prefix": ""}
    assert rule["transitions"] == [
        {"days": settings.instant_retrieval_after_days, "storageClass": "GLACIER_IR"},
        {"days": settings.deep_archive_after_days, "storageClass": "DEEP_ARCHIVE"},
    ]
    assert (settings.instant_retrieval_after_days, settings.deep_archive_after_days) == (90, 365)
    assert rule["expiration"] == {"days": settings.retention_days}
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": settings.retention_days}
    assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    # PCI DSS 10.5.1: nothing is deleted before 12 months.
    assert (
        min(rule["expiration"]["days"], rule["noncurrentVersionExpiration"]["noncurrentDays"])
        >= 365
    )


def test_lifecycle_and_object_lock_follow_the_configured_retention() -> None:
    overrides = {
        "pcizone:logArchive": {
            "retentionDays": 730,
            "objectLockDays": 700,
            "instantRetrievalAfterDays": 120,
            "deepArchiveAfterDays": 400,
        }
    }
    run = run_stack("org", config_overrides=overrides)
    rule = _lifecycle(run, "log-archive")
    assert rule["expiration"] == {"days": 730}
    assert [t["days"] for t in rule["transitions"]] == [120, 400]
    (lock,) = run.of_type(_type("BucketObjectLockConfiguration"))
    assert lock.inputs["rule"]["defaultRetention"]["days"] == 700
    # CloudWatch accepts fixed retentions: the longest not above 730 days is 545.
    (group,) = run.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["retentionInDays"] == 545
