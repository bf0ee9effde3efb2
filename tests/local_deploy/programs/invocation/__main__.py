"""A function the deploy runs once through the local runtime (as the payments migrator is)."""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config("pcizone")
handler = config.get("handler") or "answer"
provider = aws.Provider("region", region="eu-west-1")
opts = pulumi.ResourceOptions(provider=provider)
trust = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
role = aws.iam.Role("runner", assume_role_policy=json.dumps(trust), opts=opts)
function = aws.lambda_.Function(
    "runner",
    role=role.arn,
    handler=f"handler.{handler}",
    runtime="python3.12",
    code=pulumi.FileArchive("invocation/code"),
    opts=opts,
)
# Re-run when the code changes, as the payments migrator's invocation does.
run = aws.lambda_.Invocation(
    "run-once",
    function_name=function.name,
    input=json.dumps({"question": 41}),
    triggers={"handler": handler},
    opts=pulumi.ResourceOptions(provider=provider, depends_on=[function]),
)
pulumi.export("result", run.result)
