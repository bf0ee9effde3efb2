"""Corpus program: the org stack's organization, guardrails and trail, compliant unless broken.

`case:break` (a JSON list) names the misconfigurations to apply; see cases.yaml.
"""

import json

import pulumi
import pulumi_aws as aws

BREAK = set(pulumi.Config("case").get_object("break") or [])
LOGS = {"pcizone:data-classification": "logs"}


def broken(name: str) -> bool:
    return name in BREAK


def document(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def deny(sid: str, actions: list[str] | str, condition: dict[str, object] | None = None) -> str:
    statement: dict[str, object] = {
        "Sid": sid,
        "Effect": "Deny",
        "Action": actions,
        "Resource": "*",
    }
    if condition:
        statement["Condition"] = condition
    return document(statement)


org = aws.organizations.Organization(
    "organization",
    feature_set="ALL",
    enabled_policy_types=["SERVICE_CONTROL_POLICY"],
    aws_service_access_principals=["cloudtrail.amazonaws.com", "config.amazonaws.com"],
)
root_id = org.roots.apply(lambda roots: roots[0]["id"])
security = aws.organizations.OrganizationalUnit("security", name="Security", parent_id=root_id)
workloads = aws.organizations.OrganizationalUnit(
    "workloads", name="Apps" if broken("no-workload-ou") else "Workloads", parent_id=root_id
)
nonprod = aws.organizations.OrganizationalUnit("nonprod", name="NonProd", parent_id=workloads.id)
prod = aws.organizations.OrganizationalUnit("prod", name="Prod", parent_id=workloads.id)
quarantine_ou = aws.organizations.OrganizationalUnit(
    "quarantine", name="Quarantine", parent_id=root_id
)


def scp(name: str, content: str) -> aws.organizations.Policy:
    return aws.organizations.Policy(name, type="SERVICE_CONTROL_POLICY", content=content)


leave = scp("deny-leaving", deny("DenyLeave", "organizations:LeaveOrganization"))
regions = scp(
    "deny-other-regions",
    deny(
        "DenyOtherRegions",
        ["ec2:*", "rds:*", "lambda:*"],
        {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
    ),
)
keys = scp(
    "protect-keys", deny("DenyKeyDestruction", ["kms:ScheduleKeyDeletion", "kms:DisableKey"])
)
contain = scp("quarantine", document({"Effect": "Deny", "Action": "*", "Resource": "*"}))

aws.organizations.PolicyAttachment("deny-leaving-root", policy_id=leave.id, target_id=root_id)
aws.organizations.PolicyAttachment(
    "regions-workloads", policy_id=regions.id, target_id=workloads.id
)
aws.organizations.PolicyAttachment("regions-security", policy_id=regions.id, target_id=security.id)
aws.organizations.PolicyAttachment("keys-nonprod", policy_id=keys.id, target_id=nonprod.id)
if not broken("scp-missing-on-prod"):
    aws.organizations.PolicyAttachment("keys-prod", policy_id=keys.id, target_id=prod.id)
aws.organizations.PolicyAttachment("keys-security", policy_id=keys.id, target_id=security.id)
aws.organizations.PolicyAttachment(
    "quarantine-attach", policy_id=contain.id, target_id=quarantine_ou.id
)

# -- the organization trail and its archive ---------------------------------------------------
trail_key = aws.kms.Key(
    "trail-key", enable_key_rotation=True, deletion_window_in_days=30, tags=LOGS
)


def secure_bucket(name: str, *, encryption: dict[str, object], versioned: bool) -> aws.s3.Bucket:
    bucket = aws.s3.Bucket(
        name,
        bucket=f"pcz-org-{name}",
        object_lock_enabled=name == "trail-archive" and not broken("trail-bucket-no-object-lock"),
        tags=LOGS,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-sse",
        bucket=bucket.id,
        rules=[{"apply_server_side_encryption_by_default": encryption}],
    )
    aws.s3.BucketPublicAccessBlock(
        f"{name}-pab",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    aws.s3.BucketPolicy(
        f"{name}-policy",
        bucket=bucket.id,
        policy=bucket.arn.apply(
            lambda arn: document(
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [arn, f"{arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
                {
                    "Sid": "CloudTrailWrites",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"{arn}/AWSLogs/*",
                },
            )
        ),
    )
    aws.s3.BucketVersioning(
        f"{name}-versioning",
        bucket=bucket.id,
        versioning_configuration={"status": "Enabled" if versioned else "Suspended"},
    )
    return bucket


# S3 server access logs can only be delivered to an SSE-S3 bucket.
access_logs = secure_bucket(
    "access-logs",
    encryption={
        "sse_algorithm": "aws:kms" if broken("access-log-bucket-aws-managed-kms") else "AES256"
    },
    versioned=True,
)
archive = secure_bucket(
    "trail-archive",
    encryption={"sse_algorithm": "aws:kms", "kms_master_key_id": trail_key.arn},
    versioned=not broken("trail-bucket-no-versioning"),
)
if not broken("trail-bucket-no-object-lock"):
    aws.s3.BucketObjectLockConfiguration(
        "trail-archive-lock",
        bucket=archive.id,
        rule={
            "default_retention": {
                "mode": "COMPLIANCE",
                "days": 90 if broken("trail-bucket-short-lock") else 365,
            }
        },
    )
if not broken("trail-bucket-no-access-logs"):
    aws.s3.BucketLogging(
        "trail-archive-logging",
        bucket=archive.id,
        target_bucket=archive.id if broken("trail-bucket-logs-to-itself") else access_logs.id,
        target_prefix="trail-archive/",
    )
aws.s3.BucketLifecycleConfiguration(
    "trail-archive-lifecycle",
    bucket=archive.id,
    rules=[
        {
            "id": "keep-a-year-then-expire",
            "status": "Enabled",
            "filter": {},
            "transitions": [{"days": 90, "storage_class": "GLACIER_IR"}],
            "expiration": {"days": 180 if broken("trail-bucket-short-lifecycle") else 400},
            "noncurrent_version_expiration": {"noncurrent_days": 400},
        }
    ],
)

trail_logs = aws.cloudwatch.LogGroup(
    "trail-logs", retention_in_days=400, kms_key_id=trail_key.arn, tags=LOGS
)
trail_role = aws.iam.Role(
    "trail-to-logs",
    assume_role_policy=document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ),
)
aws.iam.RolePolicy(
    "trail-to-logs-policy",
    role=trail_role.id,
    policy=trail_logs.arn.apply(
        lambda arn: document(
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{arn}:*",
            }
        )
    ),
)
aws.cloudtrail.Trail(
    "organization-trail",
    s3_bucket_name=archive.id,
    is_organization_trail=not broken("trail-not-organization"),
    is_multi_region_trail=not broken("trail-single-region"),
    include_global_service_events=True,
    enable_log_file_validation=not broken("trail-no-log-validation"),
    kms_key_id=None if broken("trail-no-kms") else trail_key.arn,
    cloud_watch_logs_group_arn=None
    if broken("trail-no-cloudwatch")
    else trail_logs.arn.apply(lambda arn: f"{arn}:*"),
    cloud_watch_logs_role_arn=None if broken("trail-no-cloudwatch") else trail_role.arn,
)
