"""Queues, a key, a role and a function fed by the queue and an HTTP API (the payments shape)."""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config("pcizone")
provider = aws.Provider(
    "region",
    region="eu-west-1",
    default_tags=aws.ProviderDefaultTagsArgs(tags={"team": "payments"}),
)
opts = pulumi.ResourceOptions(provider=provider)
key = aws.kms.Key("queue-key", description="queue key", enable_key_rotation=True, opts=opts)
dlq = aws.sqs.Queue("dlq", message_retention_seconds=1209600, kms_master_key_id=key.arn, opts=opts)
queue = aws.sqs.Queue(
    "queue",
    visibility_timeout_seconds=int(config.get("visibility") or "60"),
    redrive_policy=dlq.arn.apply(
        lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3})
    ),
    kms_master_key_id=key.arn,
    opts=opts,
)
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
role = aws.iam.Role("worker-role", assume_role_policy=json.dumps(trust), opts=opts)
aws.iam.RolePolicy(
    "worker-queue",
    role=role.id,
    policy=queue.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": arn}],
            }
        )
    ),
    opts=opts,
)
aws.iam.RolePolicyAttachment(
    "worker-logs",
    role=role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    opts=opts,
)
function = aws.lambda_.Function(
    "worker",
    role=role.arn,
    handler="handler.handler",
    runtime="python3.12",
    code=pulumi.FileArchive("payments_like/code"),
    timeout=10,
    memory_size=256,
    reserved_concurrent_executions=2,
    environment={
        "variables": {"QUEUE_URL": queue.url, "API_TOKEN": pulumi.Output.secret("tok-s3cr3t-value")}
    },
    opts=opts,
)
aws.lambda_.EventSourceMapping(
    "worker-queue",
    event_source_arn=queue.arn,
    function_name=function.name,
    batch_size=int(config.get("batch") or "5"),
    function_response_types=["ReportBatchItemFailures"],
    scaling_config={"maximum_concurrency": 2},
    opts=opts,
)
api = aws.apigatewayv2.Api("api", name="payments-api", protocol_type="HTTP", opts=opts)
integration = aws.apigatewayv2.Integration(
    "api-worker",
    api_id=api.id,
    integration_type="AWS_PROXY",
    integration_uri=function.invoke_arn,
    payload_format_version="2.0",
    opts=opts,
)
aws.apigatewayv2.Route(
    "api-post",
    api_id=api.id,
    route_key="POST /payments",
    target=pulumi.Output.concat("integrations/", integration.id),
    opts=opts,
)
aws.apigatewayv2.Stage("api-stage", api_id=api.id, name="$default", auto_deploy=True, opts=opts)
schedule = aws.cloudwatch.EventRule(
    "relay-schedule", schedule_expression="rate(5 minutes)", state="ENABLED", opts=opts
)
aws.cloudwatch.EventTarget("relay-target", rule=schedule.name, arn=function.arn, opts=opts)
if config.get("extra"):
    aws.sqs.Queue("extra", opts=opts)
pulumi.export("queueUrl", queue.url)
pulumi.export("functionArn", function.arn)
pulumi.export("keyArn", key.arn)
