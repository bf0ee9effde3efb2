"""An organization with a member account, and a bucket and queue deployed into that account."""

import pulumi
import pulumi_aws as aws

management = aws.Provider("management", region="eu-west-1")
org = aws.organizations.Organization(
    "organization",
    feature_set="ALL",
    aws_service_access_principals=["cloudtrail.amazonaws.com"],
    enabled_policy_types=["SERVICE_CONTROL_POLICY"],
    opts=pulumi.ResourceOptions(provider=management),
)
member = aws.organizations.Account(
    "workload",
    name="workload",
    email="workload@example.com",
    role_name="OrganizationAccountAccessRole",
    opts=pulumi.ResourceOptions(provider=management, depends_on=[org]),
)
in_member = aws.Provider(
    "workload",
    region="eu-west-1",
    allowed_account_ids=[member.id],
    assume_roles=[
        aws.ProviderAssumeRoleArgs(
            role_arn=pulumi.Output.concat(
                "arn:aws:iam::", member.id, ":role/OrganizationAccountAccessRole"
            ),
            session_name="test",
        )
    ],
)
opts = pulumi.ResourceOptions(provider=in_member)
bucket = aws.s3.Bucket("data", opts=opts)
aws.s3.BucketVersioning(
    "data", bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=opts
)
aws.s3.BucketServerSideEncryptionConfiguration(
    "data",
    bucket=bucket.id,
    rules=[
        {
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"},
            "bucket_key_enabled": True,
        }
    ],
    opts=opts,
)
aws.s3.BucketPublicAccessBlock(
    "data",
    bucket=bucket.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
    opts=opts,
)
queue = aws.sqs.Queue("work", opts=opts)
aws.accessanalyzer.Analyzer("analyzer", analyzer_name="account", type="ACCOUNT", opts=opts)
pulumi.export("accountId", member.id)
pulumi.export("bucket", bucket.bucket)
pulumi.export("queueUrl", queue.url)
