"""Backups (a cross-region copy in prod) and the stage's alarms on an encrypted topic."""

from __future__ import annotations

import pytest
from data_plane_runs import (
    STAGE_STACKS,
    document,
    of_type,
    one,
    outputs,
    owned,
    provider_region,
    run,
    stage_config,
)

PLAN = "aws:backup/plan:Plan"
VAULT = "aws:backup/vault:Vault"
TOPIC = "aws:sns/topic:Topic"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


@pytest.mark.parametrize("stack", STAGE_STACKS)
def test_daily_backup_of_the_cluster_into_an_encrypted_vault(stack: str) -> None:
    recorded, out, config = run(stack), outputs(stack), stage_config(stack)
    vault = one(recorded.resources, VAULT, "backup-vault")
    assert vault.inputs["kmsKeyArn"] == out["keyArns"]["cardholderData"]
    (rule,) = one(recorded.resources, PLAN, "backup-plan").inputs["rules"]
    assert rule["schedule"] == config.backup.schedule
    assert rule["lifecycle"] == {"deleteAfter": config.backup.retention_days}
    assert rule["targetVaultName"] == vault.inputs["name"]
    selection = one(recorded.resources, "aws:backup/selection:Selection", "backup-selection")
    assert selection.inputs["resources"] == [out["clusterArn"]]
    copies = rule.get("copyActions", [])
    if stack == "prod":
        dr_vault = one(recorded.resources, VAULT, "backup-dr-vault")
        assert provider_region(recorded, dr_vault) == "eu-central-1"
        assert dr_vault.inputs["kmsKeyArn"] == out["secondaryKeyArn"]
        assert copies == [
            {"destinationVaultArn": dr_vault.outputs["arn"], "lifecycle": {"deleteAfter": 35}}
        ]
        # The secondary, which becomes the writer after a failover, is backed up in its region.
        (dr_rule,) = one(recorded.resources, PLAN, "backup-dr-plan").inputs["rules"]
        assert dr_rule["targetVaultName"] == dr_vault.inputs["name"]
        dr_selection = one(
            recorded.resources, "aws:backup/selection:Selection", "backup-dr-selection"
        )
        assert provider_region(recorded, dr_selection) == "eu-central-1"
        assert dr_selection.inputs["resources"] == [out["secondaryClusterArn"]]
        assert dr_selection.inputs["iamRoleArn"] == selection.inputs["iamRoleArn"]
    else:
        assert copies == []
        assert not [p for p in of_type(recorded.resources, PLAN) if p.name == "backup-dr-plan"]


@pytest.mark.parametrize("stack", STAGE_STACKS)
def test_alarm_topic_is_encrypted_tls_only_and_mails_the_config_addresses(stack: str) -> None:
    recorded, out, config = run(stack), outputs(stack), stage_config(stack)
    topic = one(recorded.resources, TOPIC, "alerts-topic")
    assert topic.inputs["kmsMasterKeyId"] == out["keyArns"]["queues"]
    assert out["alarmTopicArn"] == topic.outputs["arn"]
    policy = one(recorded.resources, "aws:sns/topicPolicy:TopicPolicy", "alerts-policy")
    statements = {s["Sid"]: s for s in document(policy.inputs["policy"])["Statement"]}
    assert statements["TlsOnly"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    publish = statements["CloudWatchAlarmsOfThisAccount"]
    assert publish["Condition"]["StringEquals"] == {"aws:SourceAccount": out["accountId"]}
    subscriptions = [
        s
        for s in of_type(recorded.resources, "aws:sns/topicSubscription:TopicSubscription")
        if s.inputs["topic"] == topic.outputs["arn"]
    ]
    assert sorted(s.inputs["endpoint"] for s in subscriptions) == sorted(config.alerts.emails)
    assert {s.inputs["protocol"] for s in subscriptions} == {"email"}


@pytest.mark.parametrize("stack", STAGE_STACKS)
def test_aurora_cpu_alarm_notifies_the_topic(stack: str) -> None:
    recorded, out = run(stack), outputs(stack)
    alarm = one(owned(recorded), ALARM, "alarm-aurora-cpu")
    assert alarm.inputs["namespace"] == "AWS/RDS"
    assert alarm.inputs["metricName"] == "CPUUtilization"
    assert alarm.inputs["dimensions"] == {"DBClusterIdentifier": out["clusterId"]}
    assert alarm.inputs["threshold"] == 80
    assert alarm.inputs["alarmActions"] == [out["alarmTopicArn"]]
    assert alarm.inputs["okActions"] == [out["alarmTopicArn"]]


def test_global_replica_lag_alarm_lives_in_the_dr_region_against_the_rpo() -> None:
    recorded, out, config = run("prod"), outputs("prod"), stage_config("prod")
    alarm = one(owned(recorded), ALARM, "alarm-aurora-global-lag")
    assert provider_region(recorded, alarm) == "eu-central-1"
    assert alarm.inputs["metricName"] == "AuroraGlobalDBReplicationLag"
    assert alarm.inputs["dimensions"] == {"DBClusterIdentifier": out["secondaryClusterId"]}
    assert alarm.inputs["threshold"] == config.dr.rpo_seconds * 1000
    assert alarm.inputs["treatMissingData"] == "breaching"
    dr_topic = one(recorded.resources, TOPIC, "alerts-dr-topic")
    assert provider_region(recorded, dr_topic) == "eu-central-1"
    assert alarm.inputs["alarmActions"] == [dr_topic.outputs["arn"]]
    assert dr_topic.inputs["kmsMasterKeyId"] != out["keyArns"]["queues"]
    for stack in ("dev", "staging"):
        names = {a.name for a in of_type(owned(run(stack)), ALARM)}
        assert "alarm-aurora-global-lag" not in names
