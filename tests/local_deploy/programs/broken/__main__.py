"""A policy attachment to a role that does not exist (the emulator refuses it), a queue that
waits for it, and a secret whose value must never appear in an error."""

import pulumi
import pulumi_aws as aws

provider = aws.Provider("region", region="eu-west-1")
opts = pulumi.ResourceOptions(provider=provider)
aws.sqs.Queue("good", opts=opts)
secret = aws.secretsmanager.Secret("token", opts=opts)
aws.secretsmanager.SecretVersion(
    "token", secret_id=secret.id, secret_string=pulumi.Output.secret("never-print-me"), opts=opts
)
attachment = aws.iam.RolePolicyAttachment(
    "attach",
    role="no-such-role",
    policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess",
    opts=opts,
)
aws.sqs.Queue(
    "after-attach", opts=pulumi.ResourceOptions(provider=provider, depends_on=[attachment])
)
