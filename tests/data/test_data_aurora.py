"""Aurora PostgreSQL, RDS Proxy and prod's global database as the offline runs record them."""

from __future__ import annotations

import pytest
from data_plane_runs import (
    STAGE_STACKS,
    allow_pairs,
    by_urn,
    document,
    of_type,
    one,
    outputs,
    owned,
    provider_region,
    run,
    stage_config,
)

CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
PARAMS = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
PROXY = "aws:rds/proxy:Proxy"


@pytest.mark.parametrize("stack", STAGE_STACKS)
def test_cluster_settings_come_from_the_config_and_are_all_explicit(stack: str) -> None:
    recorded, config, out = run(stack), stage_config(stack), outputs(stack)
    cluster = one(recorded.resources, CLUSTER, "database-primary-cluster")
    inputs = cluster.inputs
    assert inputs["engine"] == "aurora-postgresql"
    assert inputs["engineVersion"] == config.aurora.engine_version
    assert inputs["storageEncrypted"] is True
    assert inputs["kmsKeyId"] == out["keyArns"]["cardholderData"]
    assert inputs["iamDatabaseAuthenticationEnabled"] is True
    assert inputs["backupRetentionPeriod"] == config.aurora.backup_retention_days
    assert inputs["deletionProtection"] is (stack != "dev")
    assert inputs["copyTagsToSnapshot"] is True
    assert inputs["enabledCloudwatchLogsExports"] == ["postgresql"]
    assert inputs["manageMasterUserPassword"] is True
    assert inputs["masterUserSecretKmsKeyId"] == out["keyArns"]["secrets"]
    assert "masterPassword" not in inputs
    assert inputs["skipFinalSnapshot"] is False
    assert inputs["enableHttpEndpoint"] is False
    params = one(recorded.resources, PARAMS, "database-primary-params")
    assert inputs["dbClusterParameterGroupName"] == params.inputs["name"]
    settings = {p["name"]: p["value"] for p in params.inputs["parameters"]}
    assert settings["rds.force_ssl"] == "1"
    assert settings["ssl_min_protocol_version"] == "TLSv1.2"
    assert params.inputs["family"] == "aurora-postgresql16"
    assert out["clusterArn"] == cluster.outputs["arn"]
    assert out["clusterResourceId"] == cluster.outputs["clusterResourceId"]
    assert out["masterSecretArn"] == cluster.outputs["masterUserSecrets"][0]["secretArn"]


@pytest.mark.parametrize("stack", STAGE_STACKS)
def test_instances_are_private_with_encrypted_performance_insights(stack: str) -> None:
    recorded, config, out = run(stack), stage_config(stack), outputs(stack)
    home = [
        i
        for i in of_type(recorded.resources, INSTANCE)
        if provider_region(recorded, i) == "eu-west-1"
    ]
    assert len(home) == config.aurora.instance_count
    expected_class = "db.serverless" if config.aurora.serverless else config.aurora.instance_class
    for instance in home:
        assert instance.inputs["instanceClass"] == expected_class
        assert instance.inputs["publiclyAccessible"] is False
        assert instance.inputs["performanceInsightsEnabled"] is True
        assert instance.inputs["performanceInsightsKmsKeyId"] == out["keyArns"]["cardholderData"]
        assert (
            instance.inputs["performanceInsightsRetentionPeriod"]
            == config.aurora.performance_insights_retention_days
        )


def test_dev_runs_serverless_v2_capacity_from_the_config() -> None:
    cluster = one(run("dev").resources, CLUSTER, "database-primary-cluster")
    assert cluster.inputs["serverlessv2ScalingConfiguration"] == {
        "minCapacity": 0.5,
        "maxCapacity": 4,
    }
    staging = one(run("staging").resources, CLUSTER, "database-primary-cluster")
    assert "serverlessv2ScalingConfiguration" not in staging.inputs


def test_prod_runs_a_global_database_with_a_secondary_in_the_dr_region() -> None:
    recorded, out = run("prod"), outputs("prod")
    index = by_urn(recorded)
    (global_cluster,) = of_type(recorded.resources, "aws:rds/globalCluster:GlobalCluster")
    assert global_cluster.inputs["storageEncrypted"] is True
    assert global_cluster.inputs["deletionProtection"] is True
    primary = one(recorded.resources, CLUSTER, "database-primary-cluster")
    secondary = one(recorded.resources, CLUSTER, "database-secondary-cluster")
    for cluster in (primary, secondary):
        assert cluster.inputs["globalClusterIdentifier"] == "pcz-prod-aurora-global"
        assert cluster.property_dependencies["globalClusterIdentifier"] == (global_cluster.urn,)
    assert provider_region(recorded, primary) == "eu-west-1"
    assert provider_region(recorded, secondary) == "eu-central-1"
    # The secondary: its own key in the DR region, no master user, joins after the writer.
    (key_urn,) = secondary.property_dependencies["kmsKeyId"]
    assert provider_region(recorded, index[key_urn]) == "eu-central-1"
    assert (
        secondary.inputs["kmsKeyId"] == out["secondaryKeyArn"] != out["keyArns"]["cardholderData"]
    )
    assert "masterUsername" not in secondary.inputs
    primary_instances = {
        i.urn
        for i in of_type(recorded.resources, INSTANCE)
        if provider_region(recorded, i) == "eu-west-1"
    }
    assert primary_instances <= set(secondary.dependencies)
    assert out["globalClusterId"] == "pcz-prod-aurora-global"
    assert out["secondaryClusterArn"] == secondary.outputs["arn"]
    assert out["drRegion"] == "eu-central-1"


def test_only_prod_has_a_global_database() -> None:
    for stack in ("dev", "staging"):
        assert not of_type(run(stack).resources, "aws:rds/globalCluster:GlobalCluster")
        assert "globalClusterId" not in outputs(stack)


@pytest.mark.parametrize("stack", STAGE_STACKS)
def test_rds_proxy_requires_iam_and_tls(stack: str) -> None:
    recorded, out = run(stack), outputs(stack)
    proxy = one(recorded.resources, PROXY, "database-proxy-proxy")
    assert proxy.inputs["requireTls"] is True
    assert proxy.inputs["defaultAuthScheme"] == "IAM_AUTH"
    assert proxy.inputs["debugLogging"] is False
    assert proxy.inputs["engineFamily"] == "POSTGRESQL"
    (auth,) = proxy.inputs["auths"]
    assert auth["iamAuth"] == "REQUIRED"
    assert auth["secretArn"] == out["masterSecretArn"]
    assert proxy.inputs["vpcSubnetIds"] == out["privateSubnetIds"]
    assert out["proxyEndpoint"] == proxy.outputs["endpoint"]
    assert out["proxyResourceId"] == proxy.outputs["arn"].rsplit(":", 1)[1]
    assert out["proxyResourceId"].startswith("prx-")
    target = of_type(recorded.resources, "aws:rds/proxyTarget:ProxyTarget")
    assert [t.inputs["dbClusterIdentifier"] for t in target] == [out["clusterId"]]
    policy = one(owned(recorded), "aws:iam/rolePolicy:RolePolicy", "database-proxy-role-policy")
    account = out["accountId"]
    assert allow_pairs(document(policy.inputs["policy"])) == {
        ("secretsmanager:GetSecretValue", out["masterSecretArn"]),
        ("kms:Decrypt", out["keyArns"]["secrets"]),
        (
            "rds-db:connect",
            f"arn:aws:rds-db:eu-west-1:{account}:dbuser:{out['clusterResourceId']}/pcz_*",
        ),
    }
