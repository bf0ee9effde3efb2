"""Server access logs into a bucket whose policy denies insecure transport to everyone ("*")
and lets the logging service write (the log archive's shape)."""

import json

import pulumi
import pulumi_aws as aws

provider = aws.Provider("region", region="eu-west-1")
opts = pulumi.ResourceOptions(provider=provider)
logs = aws.s3.Bucket("access-logs", bucket="pcz-test-access-logs", opts=opts)
data = aws.s3.Bucket("data", bucket="pcz-test-data", opts=opts)
policy = aws.s3.BucketPolicy(
    "access-logs",
    bucket=logs.id,
    policy=logs.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [arn, f"{arn}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                    {
                        "Sid": "ServerAccessLogDelivery",
                        "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"{arn}/*",
                    },
                ],
            }
        )
    ),
    opts=opts,
)
# S3 checks the target's policy when logging is enabled: declared after it, as the log archive is.
aws.s3.BucketLogging(
    "data",
    bucket=data.id,
    target_bucket=logs.id,
    target_prefix="data/",
    opts=pulumi.ResourceOptions(provider=provider, depends_on=[policy]),
)
