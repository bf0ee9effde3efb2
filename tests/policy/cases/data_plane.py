"""Corpus program: a stage account's baseline and data plane, compliant unless config breaks it.

Two regions (the default provider and a DR provider), each with the regional baseline.
`case:break` (a JSON list) names the misconfigurations to apply; see cases.yaml.
"""

import json

import pulumi
import pulumi_aws as aws

BREAK = set(pulumi.Config("case").get_object("break") or [])
CHD = {"pcizone:data-classification": "cardholder-data"}
LOGS = {"pcizone:data-classification": "logs"}
HUMAN = {"pcizone:principal-type": "human"}
ACCOUNT = "222222222222"


def broken(name: str) -> bool:
    return name in BREAK


def document(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trust(service: str) -> str:
    principal = {"Service": service}
    return document({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


dr = aws.Provider("dr", region="eu-central-1")

# -- account baseline, per region ------------------------------------------------------------
if not broken("account-no-public-access-block"):
    aws.s3.AccountPublicAccessBlock(
        "account-pab",
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=not broken("account-pab-partial"),
    )
config_role = aws.iam.Role("config-role", assume_role_policy=trust("config.amazonaws.com"))
aws.iam.RolePolicyAttachment(
    "config-role-managed",
    role=config_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AWS_ConfigRole",
)


def baseline(region: str, opts: pulumi.ResourceOptions | None, *, in_dr: bool) -> None:
    def skip(name: str) -> bool:
        return in_dr and broken(name)

    aws.ebs.EncryptionByDefault(
        f"ebs-encryption-{region}", enabled=not skip("dr-ebs-encryption-off"), opts=opts
    )
    if not skip("dr-no-guardduty"):
        aws.guardduty.Detector(f"guardduty-{region}", enable=True, opts=opts)
    hub = aws.securityhub.Account(f"securityhub-{region}", opts=opts)
    standard = (
        "aws-foundational-security-best-practices/v/1.0.0"
        if skip("dr-securityhub-no-pci")
        else "pci-dss/v/4.0.1"
    )
    aws.securityhub.StandardsSubscription(
        f"securityhub-pci-{region}",
        standards_arn=f"arn:aws:securityhub:{region}::standards/{standard}",
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[hub])),
    )
    recorder = aws.cfg.Recorder(
        f"config-{region}",
        role_arn=config_role.arn,
        recording_group={"all_supported": True, "include_global_resource_types": not in_dr},
        opts=opts,
    )
    channel = aws.cfg.DeliveryChannel(
        f"config-delivery-{region}",
        s3_bucket_name=f"pcz-prod-config-{region}",
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[recorder])),
    )
    if not skip("dr-config-not-started"):
        aws.cfg.RecorderStatus(
            f"config-status-{region}",
            name=recorder.name,
            is_enabled=True,
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[channel])),
        )
    if not skip("dr-no-access-analyzer"):
        aws.accessanalyzer.Analyzer(
            f"access-analyzer-{region}", analyzer_name=f"pcz-{region}", opts=opts
        )


baseline("eu-west-1", None, in_dr=False)
baseline("eu-central-1", pulumi.ResourceOptions(provider=dr), in_dr=True)

# -- keys ------------------------------------------------------------------------------------
ROOT_ADMIN = {
    "Sid": "AccountAdministers",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
DENY_HUMANS = {
    "Sid": "NoHumanDecrypt",
    "Effect": "Deny",
    "Principal": "*",
    "Action": ["kms:Decrypt", "kms:ReEncryptFrom"],
    "Resource": "*",
    "Condition": {"StringEquals": {"aws:PrincipalTag/pcizone:principal-type": "human"}},
}
key_statements = [ROOT_ADMIN] if broken("kms-human-can-decrypt") else [ROOT_ADMIN, DENY_HUMANS]
data_key = aws.kms.Key(
    "data-key",
    enable_key_rotation=True,
    deletion_window_in_days=30,
    policy=document(*key_statements),
    tags=CHD,
)
logs_key = aws.kms.Key("logs-key", enable_key_rotation=True, deletion_window_in_days=30, tags=LOGS)
aws.iam.Role(
    "support-engineer",
    assume_role_policy=document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }
    ),
    inline_policies=[
        {
            "name": "read-only",
            "policy": document({"Effect": "Allow", "Action": ["rds:Describe*"], "Resource": "*"}),
        }
    ],
    tags=HUMAN,
)

# -- network ---------------------------------------------------------------------------------
vpc = aws.ec2.Vpc("vpc", cidr_block="10.30.0.0/16", enable_dns_hostnames=True)
if not broken("vpc-no-flow-logs"):
    flow_logs = aws.cloudwatch.LogGroup(
        "flow-logs", retention_in_days=400, kms_key_id=logs_key.arn, tags=LOGS
    )
    aws.ec2.FlowLog(
        "vpc-flow-logs",
        vpc_id=vpc.id,
        traffic_type="REJECT" if broken("vpc-flow-logs-reject-only") else "ALL",
        log_destination_type="cloud-watch-logs",
        log_destination=flow_logs.arn,
        iam_role_arn=f"arn:aws:iam::{ACCOUNT}:role/pcz-prod-flow-logs",
    )
db_sg = aws.ec2.SecurityGroup(
    "db-sg",
    vpc_id=vpc.id,
    description="Aurora: PostgreSQL from the VPC only",
    ingress=[
        {
            "protocol": "tcp",
            "from_port": 5432,
            "to_port": 5432,
            "cidr_blocks": ["0.0.0.0/0" if broken("sg-open-to-internet") else "10.30.0.0/16"],
        }
    ],
)
if broken("sg-rule-open-ipv6"):
    aws.vpc.SecurityGroupIngressRule(
        "db-sg-ipv6",
        security_group_id=db_sg.id,
        cidr_ipv6="::/0",
        ip_protocol="tcp",
        from_port=5432,
        to_port=5432,
    )

# -- Aurora ----------------------------------------------------------------------------------
parameters = aws.rds.ClusterParameterGroup(
    "aurora-params",
    family="aurora-postgresql16",
    parameters=[{"name": "rds.force_ssl", "value": "0" if broken("aurora-no-force-ssl") else "1"}],
)
cluster = aws.rds.Cluster(
    "aurora",
    engine="aurora-postgresql",
    engine_version="16.4",
    master_username="payments_admin",
    manage_master_user_password=True,
    storage_encrypted=not broken("aurora-unencrypted"),
    kms_key_id=None if broken("aurora-unencrypted") else data_key.arn,
    iam_database_authentication_enabled=not broken("aurora-no-iam-auth"),
    backup_retention_period=7 if broken("aurora-backups-7-days") else 35,
    deletion_protection=not broken("aurora-no-deletion-protection"),
    enabled_cloudwatch_logs_exports=[] if broken("aurora-no-log-exports") else ["postgresql"],
    db_cluster_parameter_group_name=parameters.name,
    vpc_security_group_ids=[db_sg.id],
    db_subnet_group_name="pcz-prod-data",
    tags=CHD,
)
aws.rds.ClusterInstance(
    "aurora-1",
    cluster_identifier=cluster.id,
    instance_class="db.r6g.large",
    engine="aurora-postgresql",
    publicly_accessible=broken("aurora-public-instance"),
)
proxy_role = aws.iam.Role("proxy-role", assume_role_policy=trust("rds.amazonaws.com"))
aws.rds.Proxy(
    "aurora-proxy",
    engine_family="POSTGRESQL",
    role_arn=proxy_role.arn,
    require_tls=not broken("proxy-no-tls"),
    vpc_subnet_ids=["subnet-0a1", "subnet-0b2"],
    vpc_security_group_ids=[db_sg.id],
    auths=[
        {
            "auth_scheme": "SECRETS",
            "iam_auth": "REQUIRED",
            "secret_arn": f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:rds-master",
        }
    ],
)

# -- AWS Backup ------------------------------------------------------------------------------
vault = aws.backup.Vault(
    "vault", kms_key_arn=None if broken("backup-vault-no-kms") else data_key.arn
)
plan = aws.backup.Plan(
    "plan",
    rules=[
        {
            "rule_name": "daily",
            "target_vault_name": vault.name,
            "schedule": "cron(0 3 * * ? *)",
            "lifecycle": {"delete_after": 35},
        }
    ],
)
backup_role = aws.iam.Role("backup-role", assume_role_policy=trust("backup.amazonaws.com"))
if not broken("aurora-not-in-backup-plan"):
    aws.backup.Selection(
        "aurora-backup",
        plan_id=plan.id,
        iam_role_arn=backup_role.arn,
        resources=[cluster.arn],
    )

# -- log bucket and the log pipeline ---------------------------------------------------------
bucket = aws.s3.Bucket("app-logs", bucket="pcz-prod-app-logs", tags=LOGS)
if not broken("s3-no-sse"):
    algorithm = "AES256" if broken("s3-sse-s3") else "aws:kms"
    default: dict[str, object] = {"sse_algorithm": algorithm}
    if algorithm == "aws:kms":
        default["kms_master_key_id"] = logs_key.arn
    aws.s3.BucketServerSideEncryptionConfiguration(
        "app-logs-sse",
        bucket=bucket.id,
        rules=[{"apply_server_side_encryption_by_default": default, "bucket_key_enabled": True}],
    )
aws.s3.BucketPublicAccessBlock(
    "app-logs-pab",
    bucket=bucket.id,
    block_public_acls=True,
    block_public_policy=not broken("s3-public-policy-allowed"),
    ignore_public_acls=True,
    restrict_public_buckets=True,
)
if not broken("s3-no-tls"):
    aws.s3.BucketPolicy(
        "app-logs-policy",
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
                }
            )
        ),
    )
aws.s3.BucketVersioning(
    "app-logs-versioning",
    bucket=bucket.id,
    versioning_configuration={"status": "Suspended" if broken("s3-no-versioning") else "Enabled"},
)
firehose_role = aws.iam.Role("firehose-role", assume_role_policy=trust("firehose.amazonaws.com"))
aws.iam.RolePolicy(
    "firehose-policy",
    role=firehose_role.id,
    policy=pulumi.Output.all(bucket.arn, logs_key.arn).apply(
        lambda a: document(
            {
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:GetBucketLocation"],
                "Resource": [a[0], f"{a[0]}/*"],
            },
            {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": a[1]},
        )
    ),
)
aws.kinesis.FirehoseDeliveryStream(
    "log-stream",
    destination="extended_s3",
    server_side_encryption={"enabled": False}
    if broken("firehose-no-sse")
    else {"enabled": True, "key_type": "CUSTOMER_MANAGED_CMK", "key_arn": logs_key.arn},
    extended_s3_configuration={
        "bucket_arn": bucket.arn,
        "role_arn": firehose_role.arn,
        "kms_key_arn": None if broken("firehose-destination-no-kms") else logs_key.arn,
        "prefix": "app/",
    },
)
