"""A resource type the local cloud has no handler for and does not list as not emulated."""

import pulumi
import pulumi_aws as aws

provider = aws.Provider("region", region="eu-west-1")
aws.ssm.Parameter(
    "setting", type="String", value="x", opts=pulumi.ResourceOptions(provider=provider)
)
