"""A small Pulumi program with known URNs, parents, providers and secrets."""

import pulumi
import pulumi_aws as aws


class Vault(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fixture:storage:Vault", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key = aws.kms.Key(
            f"{name}-key", enable_key_rotation=True, deletion_window_in_days=30, opts=child
        )
        bucket = aws.s3.Bucket(f"{name}-bucket", bucket="fixture-vault", opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=key.arn
                    ),
                    bucket_key_enabled=True,
                )
            ],
            opts=child,
        )
        self.bucket_name = bucket.bucket
        self.register_outputs({"bucketName": bucket.bucket})


account = aws.Provider("acct", region="eu-west-1", allowed_account_ids=["222222222222"])
vault = Vault("vault", opts=pulumi.ResourceOptions(provider=account))
token = aws.secretsmanager.Secret("token", name="fixture-token")
aws.secretsmanager.SecretVersion(
    "token-v1", secret_id=token.id, secret_string=pulumi.Output.secret("s3cr3t-value")
)
config = pulumi.Config("pcizone")
pulumi.export("bucket", vault.bucket_name)
pulumi.export("greeting", config.require("greeting"))
pulumi.export("password", config.require_secret("password"))
