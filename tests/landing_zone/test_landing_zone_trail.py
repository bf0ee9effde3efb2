"""The organization trail and what it depends on, plus the alarms raised from its events."""

from __future__ import annotations

import json
from typing import Any

TRAIL = "aws:cloudtrail/trail:Trail"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
KEY = "aws:kms/key:Key"


def test_trail_is_an_encrypted_validated_multi_region_organization_trail(org: Any) -> None:
    trail = org.one(TRAIL, "organization-trail")
    inputs = trail.inputs
    for flag in (
        "isOrganizationTrail",
        "isMultiRegionTrail",
        "includeGlobalServiceEvents",
        "enableLogFileValidation",
        "enableLogging",
    ):
        assert inputs[flag] is True, flag
    assert inputs["s3BucketName"] == org.outputs["logArchiveBucketName"]
    assert inputs["kmsKeyId"] == org.outputs["logArchiveKeyArn"]
    assert (
        "s3KeyPrefix" not in inputs
    )  # CloudTrail writes under AWSLogs/<org id>/ as the policy allows
    group = org.one(LOG_GROUP, "trail-events")
    assert inputs["cloudWatchLogsGroupArn"] == f"{group.outputs['arn']}:*"
    role = org.one(ROLE, "trail-to-cloudwatch")
    assert inputs["cloudWatchLogsRoleArn"] == role.outputs["arn"]


def test_trail_waits_for_the_bucket_policy_key_and_delivery_role(org: Any) -> None:
    trail = org.one(TRAIL, "organization-trail")
    for type_, name in (
        ("aws:s3/bucketPolicy:BucketPolicy", "log-archive-policy"),
        (KEY, "log-archive-key"),
        (ROLE_POLICY, "trail-to-cloudwatch"),
        ("aws:organizations/organization:Organization", "organization"),
    ):
        assert org.one(type_, name).urn in trail.dependencies, name


def test_trail_records_management_events_cardholder_bucket_objects_and_lambda(org: Any) -> None:
    selectors = org.one(TRAIL, "organization-trail").inputs["advancedEventSelectors"]
    fields = [{f["field"]: f for f in s["fieldSelectors"]} for s in selectors]
    assert fields[0] == {"eventCategory": {"field": "eventCategory", "equals": ["Management"]}}
    s3 = fields[1]
    assert s3["eventCategory"]["equals"] == ["Data"]
    assert s3["resources.type"]["equals"] == ["AWS::S3::Object"]
    assert s3["resources.ARN"]["startsWiths"] == [
        "arn:aws:s3:::pcz-dev-",
        "arn:aws:s3:::pcz-staging-",
        "arn:aws:s3:::pcz-prod-",
        "arn:aws:s3:::pcz-u-",
        "arn:aws:s3:::pcz-pr-",
    ]
    # The archive's own objects are not data-logged (each write would log another write).
    assert not any(
        org.outputs["logArchiveBucketArn"].startswith(p) for p in s3["resources.ARN"]["startsWiths"]
    )
    lam = fields[2]
    assert lam["eventCategory"]["equals"] == ["Data"]
    assert lam["resources.type"]["equals"] == ["AWS::Lambda::Function"]


def test_trail_log_group_is_encrypted_and_kept_for_the_retention(org: Any) -> None:
    inputs = org.one(LOG_GROUP, "trail-events").inputs
    key = org.one(KEY, "audit-events-key")
    assert inputs["kmsKeyId"] == key.outputs["arn"]
    assert inputs["retentionInDays"] == 400
    assert inputs["deletionProtectionEnabled"] is True
    policy = {s["Sid"]: s for s in org.doc(key)["Statement"]}
    logs = policy["CloudWatchLogsEncrypt"]
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert logs["Condition"] == {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": (
                f"arn:aws:logs:eu-west-1:{org.outputs['managementAccountId']}:log-group:*"
            )
        }
    }


def test_cloudtrail_delivery_role_writes_only_the_trail_log_group(org: Any) -> None:
    trust = org.doc(org.one(ROLE, "trail-to-cloudwatch"), "assumeRolePolicy")
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": org.outputs["managementAccountId"]}
    }
    (write,) = org.doc(org.one(ROLE_POLICY, "trail-to-cloudwatch"))["Statement"]
    group_arn = org.one(LOG_GROUP, "trail-events").outputs["arn"]
    assert write["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert write["Resource"] == f"{group_arn}:log-stream:*"


def test_break_glass_and_root_activity_raise_alarms_to_the_security_topic(org: Any) -> None:
    topic = org.one("aws:sns/topic:Topic", "security-alerts")
    assert topic.inputs["kmsMasterKeyId"] == org.one(KEY, "audit-events-key").outputs["arn"]
    subscription = org.one("aws:sns/topicSubscription:TopicSubscription", "security-alerts-email-0")
    assert (subscription.inputs["protocol"], subscription.inputs["endpoint"]) == (
        "email",
        "security-alerts@example.com",
    )
    filters = {f.name: f.inputs for f in org.all("aws:cloudwatch/logMetricFilter:LogMetricFilter")}
    assert '"*:role/pcizone-break-glass"' in filters["break-glass-used"]["pattern"]
    assert '"AssumeRole"' in filters["break-glass-used"]["pattern"]
    assert '$.userIdentity.type = "Root"' in filters["root-activity"]["pattern"]
    for name, metric in (
        ("break-glass-used", "BreakGlassRoleAssumed"),
        ("root-activity", "RootUserActivity"),
    ):
        assert filters[name]["metricTransformation"]["name"] == metric
        alarm = org.one("aws:cloudwatch/metricAlarm:MetricAlarm", name).inputs
        assert (alarm["metricName"], alarm["namespace"]) == (metric, "pcizone/Security")
        assert alarm["alarmActions"] == [topic.outputs["arn"]]
        assert (alarm["threshold"], alarm["comparisonOperator"]) == (
            1,
            "GreaterThanOrEqualToThreshold",
        )
        assert alarm["actionsEnabled"] is True


def test_alert_topic_policy_is_tls_only_and_publishable_by_this_account_alarms(org: Any) -> None:
    policy = org.one("aws:sns/topicPolicy:TopicPolicy", "security-alerts-policy")
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    assert statements["DenyInsecureTransport"]["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }
    publish = statements["AlarmsPublish"]
    assert publish["Condition"] == {
        "StringEquals": {"aws:SourceAccount": org.outputs["managementAccountId"]}
    }
