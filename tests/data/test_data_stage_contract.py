"""What every stack of this concern must hold: the output contract, the exact resource set,
explicit providers and explicit classification tags on everything taggable."""

from __future__ import annotations

import inspect
from collections import Counter
from typing import Any

import pulumi_aws as aws
import pytest
from data_plane_runs import DEVELOPER_STACKS, STAGE_STACKS, outputs, owned, run
from pcizone.config.loader import load_stack_config
from pcizone.config.models import StageConfig
from pcizone.core.naming import TAG_COMPONENT, TAG_DATA_CLASSIFICATION, TAG_STACK

STAGE_OUTPUTS = {
    "accountId", "region", "vpcId", "privateSubnetIds", "lambdaSecurityGroupId", "keyArns",
    "proxyEndpoint", "clusterArn", "clusterResourceId", "clusterEndpoint", "databasePort",
    "masterSecretArn", "alarmTopicArn", "logFirehoseArn", "logSubscriptionRoleArn",
    # additions developer stacks need: the proxy's rds-db resource id, the master user the
    # migrator connects as, the deployer role the key policies trust, the cluster id
    "proxyResourceId", "masterUsername", "deployerRoleName", "clusterId",
}  # fmt: skip
DR_OUTPUTS = {
    "drRegion",
    "globalClusterId",
    "secondaryClusterArn",
    "secondaryClusterId",
    "secondaryKeyArn",
}
SERVICE_OUTPUTS = {
    "apiUrl", "queueUrl", "dlqUrl", "functionNames", "roleArns", "databaseName", "databaseUser",
    "logGroupNames",
}  # fmt: skip

# The data plane of a stage with `a` AZs; prod adds the DR region's network, keys, cluster.
_NETWORK = {
    "ec2/vpc:Vpc": 1, "ec2/defaultSecurityGroup:DefaultSecurityGroup": 1, "ec2/flowLog:FlowLog": 1,
    "ec2/securityGroup:SecurityGroup": 4, "vpc/securityGroupEgressRule:SecurityGroupEgressRule": 4,
    "vpc/securityGroupIngressRule:SecurityGroupIngressRule": 4, "cloudwatch/logGroup:LogGroup": 1,
    "iam/role:Role": 1, "iam/rolePolicy:RolePolicy": 1,
}  # fmt: skip
_ENDPOINTS = {"ec2/vpcEndpoint:VpcEndpoint": 6}
_CLUSTER = {
    "rds/cluster:Cluster": 1, "rds/clusterParameterGroup:ClusterParameterGroup": 1,
    "rds/subnetGroup:SubnetGroup": 1,
}  # fmt: skip
_HOME = {
    "kms/key:Key": 4, "kms/alias:Alias": 4,
    "rds/proxy:Proxy": 1, "rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": 1,
    "rds/proxyTarget:ProxyTarget": 1, "iam/role:Role": 2, "iam/rolePolicy:RolePolicy": 1,
    "iam/rolePolicyAttachment:RolePolicyAttachment": 2, "backup/vault:Vault": 1,
    "backup/plan:Plan": 1, "backup/selection:Selection": 1, "sns/topic:Topic": 1,
    "sns/topicPolicy:TopicPolicy": 1, "cloudwatch/metricAlarm:MetricAlarm": 1,
    "cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": 1,
}  # fmt: skip
_DR = {
    "kms/key:Key": 3, "kms/alias:Alias": 3, "backup/vault:Vault": 1, "sns/topic:Topic": 1,
    "sns/topicPolicy:TopicPolicy": 1, "cloudwatch/metricAlarm:MetricAlarm": 1,
    "rds/globalCluster:GlobalCluster": 1, "backup/plan:Plan": 1, "backup/selection:Selection": 1,
}  # fmt: skip
# A payments service (staging, prod, every developer stack): 5 functions, each with a log
# group, data protection policy, subscription, role and policy; the API's access log group.
SERVICE = {
    "apigatewayv2/api:Api": 1, "apigatewayv2/integration:Integration": 1,
    "apigatewayv2/route:Route": 2, "apigatewayv2/stage:Stage": 1,
    "cloudwatch/eventRule:EventRule": 1, "cloudwatch/eventTarget:EventTarget": 1,
    "cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy": 6,
    "cloudwatch/logGroup:LogGroup": 6, "cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": 6,
    "cloudwatch/metricAlarm:MetricAlarm": 6, "iam/role:Role": 5, "iam/rolePolicy:RolePolicy": 5,
    "lambda/eventSourceMapping:EventSourceMapping": 2, "lambda/function:Function": 5,
    "lambda/invocation:Invocation": 1, "lambda/layerVersion:LayerVersion": 1,
    "lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 3,
    "lambda/permission:Permission": 3, "sqs/queue:Queue": 2, "sqs/queuePolicy:QueuePolicy": 2,
    "sqs/redriveAllowPolicy:RedriveAllowPolicy": 1,
}  # fmt: skip
STRIPE = {"secretsmanager/secret:Secret": 1, "secretsmanager/secretVersion:SecretVersion": 1}


def _sum(*parts: dict[str, int], times: int = 1) -> Counter[str]:
    total: Counter[str] = Counter()
    for part in parts:
        total.update({k: v * times for k, v in part.items()})
    return total


def _stage_expected(azs: int, *, dr: bool, payments: bool) -> Counter[str]:
    per_az = {
        "ec2/subnet:Subnet": azs, "ec2/routeTable:RouteTable": azs,
        "ec2/routeTableAssociation:RouteTableAssociation": azs,
    }  # fmt: skip
    total = _sum(_NETWORK, _ENDPOINTS, _CLUSTER, _HOME, per_az)
    if dr:
        total += _sum(_NETWORK, _CLUSTER, _DR, per_az)
    if payments:
        total += _sum(SERVICE, STRIPE)
    return total


def _types(resources: list[Any]) -> Counter[str]:
    return Counter(r.type.split(":", 1)[1] for r in resources)


@pytest.mark.parametrize(
    ("stack", "azs", "instances", "dr", "payments"),
    [("dev", 2, 1, False, False), ("staging", 2, 2, False, True), ("prod", 3, 3, True, True)],
)
def test_exact_resource_set_of_each_stage(
    stack: str, azs: int, instances: int, dr: bool, payments: bool
) -> None:
    recorded = run(stack)
    _, config, _ = load_stack_config(stack)
    assert isinstance(config, StageConfig)
    regions = 2 if dr else 1
    expected = _stage_expected(azs, dr=dr, payments=payments)
    expected["rds/clusterInstance:ClusterInstance"] = instances * regions
    expected["sns/topicSubscription:TopicSubscription"] = len(config.alerts.emails) * regions
    assert _types(owned(recorded)) == +expected


@pytest.mark.parametrize("stack", DEVELOPER_STACKS)
def test_exact_resource_set_of_a_developer_stack(stack: str) -> None:
    recorded = run(stack)
    # The StackReference read (and the engine's provider for it) is bookkeeping, not a resource.
    bookkeeping = {"pulumi:pulumi:StackReference", "pulumi:providers:pulumi"}
    custom = [r for r in recorded.resources if r.custom and r.type not in bookkeeping]
    expected = _sum(SERVICE, STRIPE if stack == "dev-bob" else {}, {"providers:aws": 1})
    assert _types(custom) == expected


@pytest.mark.parametrize("stack", STAGE_STACKS)
def test_stage_outputs_honour_the_contract(stack: str) -> None:
    out = outputs(stack)
    expected = set(STAGE_OUTPUTS)
    if stack == "prod":
        expected |= DR_OUTPUTS
    if stack != "dev":
        expected |= SERVICE_OUTPUTS
    # The account foundation adds exports of its own (landing zone concern).
    assert expected <= set(out)
    assert set(out["keyArns"]) == {"cardholderData", "logs", "queues", "secrets"}
    assert out["region"] == "eu-west-1"
    assert out["databasePort"] == 5432
    assert all(
        isinstance(v, str) and v
        for k, v in out.items()
        if k in STAGE_OUTPUTS - {"keyArns", "privateSubnetIds", "databasePort"}
    )


@pytest.mark.parametrize("stack", DEVELOPER_STACKS)
def test_developer_outputs_honour_the_contract(stack: str) -> None:
    out = outputs(stack)
    assert set(out) >= SERVICE_OUTPUTS
    assert {"api", "worker", "dlqAuditor"} <= set(out["functionNames"])
    assert set(out["roleArns"]) == set(out["functionNames"])


def _taggable(type_: str) -> bool:
    _, module, name = type_.split(":")
    namespace = module.split("/")[0]
    cls = getattr(getattr(aws, "lambda_" if namespace == "lambda" else namespace), name)
    return "tags" in inspect.signature(cls._internal_init).parameters


@pytest.mark.parametrize("stack", STAGE_STACKS + DEVELOPER_STACKS)
def test_explicit_provider_and_classification_tags_everywhere(stack: str) -> None:
    recorded = run(stack)
    resources = owned(recorded) if stack in STAGE_STACKS else recorded.resources
    checked = 0
    for resource in resources:
        if not resource.custom or resource.type.startswith("pulumi:"):
            continue
        assert resource.provider and "::default" not in resource.provider, resource.urn
        if _taggable(resource.type):
            tags = resource.inputs.get("tags")
            assert isinstance(tags, dict), f"{resource.urn} has no explicit tags"
            assert tags[TAG_STACK] == stack
            assert tags[TAG_DATA_CLASSIFICATION] in {
                "cardholder-data",
                "logs",
                "secrets",
                "internal",
            }
            assert tags[TAG_COMPONENT]
            checked += 1
    assert checked > 20  # the loop saw the stack (each has dozens of taggable resources)
