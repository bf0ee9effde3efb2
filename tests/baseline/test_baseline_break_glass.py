"""Using the break-glass role raises an alarm and notifies the security alert topic."""

from __future__ import annotations

import json
from typing import Any

import pytest


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_assuming_break_glass_triggers_the_rule_the_alarm_and_the_topic(
    stages: Any, org_outputs: dict[str, Any], stage: str
) -> None:
    run = stages[stage]
    account = org_outputs["accountIds"][stage]
    role_arn = f"arn:aws:iam::{account}:role/pcizone-break-glass"
    rule = run.one("aws:cloudwatch/eventRule:EventRule", "break-glass-used")
    assert rule.inputs["state"] == "ENABLED"
    assert json.loads(rule.inputs["eventPattern"]) == {
        "source": ["aws.sts"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["sts.amazonaws.com"],
            "eventName": ["AssumeRole"],
            "requestParameters": {"roleArn": [role_arn]},
        },
    }
    topic = run.one("aws:sns/topic:Topic", "security-alerts")
    target = run.one("aws:cloudwatch/eventTarget:EventTarget", "break-glass-used-notify")
    assert (target.inputs["rule"], target.inputs["arn"]) == (
        rule.inputs["name"],
        topic.outputs["arn"],
    )
    alarm = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "break-glass-used").inputs
    assert (alarm["namespace"], alarm["metricName"]) == ("AWS/Events", "TriggeredRules")
    assert alarm["dimensions"] == {"RuleName": rule.inputs["name"]}
    assert alarm["alarmActions"] == [topic.outputs["arn"]]
    assert (alarm["threshold"], alarm["comparisonOperator"], alarm["treatMissingData"]) == (
        1,
        "GreaterThanOrEqualToThreshold",
        "notBreaching",
    )


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_alert_topic_is_encrypted_with_a_key_its_publishers_may_use(
    stages: Any, org_outputs: dict[str, Any], stage: str
) -> None:
    run = stages[stage]
    account = org_outputs["accountIds"][stage]
    key = run.one("aws:kms/key:Key", "baseline-key")
    topic = run.one("aws:sns/topic:Topic", "security-alerts")
    assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
    publishers = run.sids(key)["AlertPublishersUseKey"]
    assert publishers["Principal"] == {
        "Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]
    }
    assert publishers["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
    policy = run.sids(run.one("aws:sns/topicPolicy:TopicPolicy", "security-alerts-policy"))
    assert policy["AlarmsPublish"]["Resource"] == topic.outputs["arn"]
    assert policy["DenyInsecureTransport"]["Effect"] == "Deny"
