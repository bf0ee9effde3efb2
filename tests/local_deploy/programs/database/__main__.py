"""An Aurora cluster behind RDS Proxy and a function that reaches it (the data plane's shape)."""

import json

import pulumi
import pulumi_aws as aws

provider = aws.Provider("region", region="eu-west-1")
opts = pulumi.ResourceOptions(provider=provider)
vpc = aws.ec2.Vpc("vpc", cidr_block="10.40.0.0/16", opts=opts)
subnets = [
    aws.ec2.Subnet(
        f"private-{i}",
        vpc_id=vpc.id,
        cidr_block=f"10.40.{i * 64}.0/18",
        availability_zone=f"eu-west-1{z}",
        opts=opts,
    )
    for i, z in enumerate("ab")
]
group = aws.rds.SubnetGroup("db", name="test-db", subnet_ids=[s.id for s in subnets], opts=opts)
params = aws.rds.ClusterParameterGroup(
    "db",
    name="test-db",
    family="aurora-postgresql16",
    parameters=[{"name": "rds.force_ssl", "value": "1", "apply_method": "pending-reboot"}],
    opts=opts,
)
key = aws.kms.Key("db", description="db", opts=opts)
cluster = aws.rds.Cluster(
    "db",
    cluster_identifier="test-db",
    engine="aurora-postgresql",
    engine_version="16.4",
    master_username="pczadmin",
    manage_master_user_password=True,
    master_user_secret_kms_key_id=key.arn,
    storage_encrypted=True,
    kms_key_id=key.arn,
    db_subnet_group_name=group.name,
    db_cluster_parameter_group_name=params.name,
    skip_final_snapshot=True,
    opts=opts,
)
aws.rds.ClusterInstance(
    "db-0",
    identifier="test-db-0",
    cluster_identifier=cluster.id,
    engine=aws.rds.EngineType.AURORA_POSTGRESQL,
    instance_class="db.serverless",
    opts=opts,
)
trust = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "rds.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
proxy_role = aws.iam.Role("proxy", assume_role_policy=json.dumps(trust), opts=opts)
secret_arn = cluster.master_user_secrets.apply(lambda s: s[0].secret_arn)
proxy = aws.rds.Proxy(
    "db",
    name="test-db-proxy",
    engine_family="POSTGRESQL",
    role_arn=proxy_role.arn,
    vpc_subnet_ids=[s.id for s in subnets],
    require_tls=True,
    auths=[{"auth_scheme": "SECRETS", "secret_arn": secret_arn, "iam_auth": "REQUIRED"}],
    opts=opts,
)
aws.rds.ProxyDefaultTargetGroup(
    "db",
    db_proxy_name=proxy.name,
    connection_pool_config={"max_connections_percent": 90},
    opts=opts,
)
aws.rds.ProxyTarget(
    "db",
    db_proxy_name=proxy.name,
    target_group_name="default",
    db_cluster_identifier=cluster.id,
    opts=opts,
)
lambda_trust = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
role = aws.iam.Role("app", assume_role_policy=json.dumps(lambda_trust), opts=opts)
aws.lambda_.Function(
    "app",
    role=role.arn,
    handler="handler.handler",
    runtime="python3.12",
    code=pulumi.FileArchive("payments_like/code"),
    environment={
        "variables": {
            "PAYMENTS_ENV": "dev",
            "PAYMENTS_DB_HOST": proxy.endpoint,
            "PAYMENTS_DB_PORT": cluster.port.apply(str),
            "PAYMENTS_DB_NAME": "pcz_test_payments",
            "PAYMENTS_DB_USER": "pcz_test_app",
            "PAYMENTS_DB_IAM_AUTH": "true",
            "PAYMENTS_DB_SSLMODE": "verify-full",
            "PAYMENTS_DB_SSLROOTCERT": "system",
            "PAYMENTS_PROCESSOR": "stripe",
        }
    },
    opts=opts,
)
pulumi.export("endpoint", cluster.endpoint)
pulumi.export("port", cluster.port)
pulumi.export("secretArn", secret_arn)
