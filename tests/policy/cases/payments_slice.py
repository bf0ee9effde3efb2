"""Corpus program: a developer stack's payments slice, compliant unless config breaks it.

`case:break` (a JSON list) names the misconfigurations to apply; see cases.yaml.
"""

import json

import pulumi
import pulumi_aws as aws

BREAK = set(pulumi.Config("case").get_object("break") or [])


def broken(name: str) -> bool:
    return name in BREAK


def trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
    )


def tls_only(queue: aws.sqs.Queue) -> pulumi.Output[str]:
    return queue.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "sqs:*",
                        "Resource": arn,
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
        )
    )


key = aws.kms.Key(
    "app-key",
    description="payments slice",
    enable_key_rotation=not broken("kms-no-rotation"),
    deletion_window_in_days=7 if broken("kms-short-window") else 30,
    # An unclassified key is judged as if it encrypted cardholder data.
    tags=None if broken("kms-unclassified") else {"pcizone:data-classification": "internal"},
)

dlq = aws.sqs.Queue(
    "payments-dlq",
    kms_master_key_id=key.arn,
    message_retention_seconds=300 if broken("sqs-dlq-short-retention") else 1_209_600,
    visibility_timeout_seconds=60,
)
queue = aws.sqs.Queue(
    "payments",
    kms_master_key_id=None if broken("sqs-no-kms") else key.arn,
    sqs_managed_sse_enabled=True if broken("sqs-no-kms") else None,
    message_retention_seconds=345_600,
    visibility_timeout_seconds=120 if broken("sqs-visibility-short") else 180,
    redrive_policy=None
    if broken("sqs-no-redrive")
    else dlq.arn.apply(
        lambda arn: json.dumps(
            {"deadLetterTargetArn": arn, "maxReceiveCount": 0 if broken("sqs-redrive-zero") else 5}
        )
    ),
)
aws.sqs.QueuePolicy("dlq-policy", queue_url=dlq.url, policy=tls_only(dlq))
if not broken("sqs-no-tls"):
    aws.sqs.QueuePolicy("payments-policy", queue_url=queue.url, policy=tls_only(queue))

api_role = aws.iam.Role("api-role", assume_role_policy=trust("lambda.amazonaws.com"))
worker_role = aws.iam.Role("worker-role", assume_role_policy=trust("lambda.amazonaws.com"))


def worker_statements(queue_arn: str, key_arn: str) -> str:
    statements: list[dict[str, object]] = [
        {
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Resource": queue_arn,
        },
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn},
    ]
    if broken("iam-star-action"):
        statements.append({"Effect": "Allow", "Action": "*", "Resource": queue_arn})
    if broken("iam-not-action"):
        statements.append({"Effect": "Allow", "NotAction": "iam:*", "Resource": queue_arn})
    if broken("iam-decrypt-star"):
        statements.append({"Effect": "Allow", "Action": ["kms:Decrypt*"], "Resource": "*"})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


aws.iam.RolePolicy(
    "worker-policy",
    role=worker_role.id,
    policy=pulumi.Output.all(queue.arn, key.arn).apply(lambda a: worker_statements(a[0], a[1])),
)
if broken("iam-admin-attach"):
    aws.iam.RolePolicyAttachment(
        "api-admin", role=api_role.name, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess"
    )

CODE = pulumi.AssetArchive(
    {"app.py": pulumi.StringAsset("def handler(event, context):\n    return {}\n")}
)


def function(name: str, role: aws.iam.Role, *, breakable: bool = True) -> aws.lambda_.Function:
    in_vpc = not (breakable and broken("lambda-no-vpc"))
    aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=f"/aws/lambda/pcz-u-case-{name}",
        retention_in_days=30 if breakable and broken("logs-short-retention") else 400,
        kms_key_id=None if breakable and broken("logs-no-kms") else key.arn,
    )
    return aws.lambda_.Function(
        name,
        role=role.arn,
        runtime="python3.8" if breakable and broken("lambda-old-runtime") else "python3.12",
        handler="app.handler",
        code=CODE,
        timeout=30,
        memory_size=256,
        vpc_config={"subnet_ids": ["subnet-0a1", "subnet-0b2"], "security_group_ids": ["sg-0c3"]}
        if in_vpc
        else None,
        kms_key_arn=None if breakable and broken("lambda-env-no-kms") else key.arn,
        environment={"variables": {"QUEUE_URL": queue.url, "LOG_LEVEL": "INFO"}},
        reserved_concurrent_executions=None
        if breakable and broken("lambda-no-reserved-concurrency")
        else 5,
    )


api_fn = function("api", api_role)
worker_fn = function(
    "worker", api_role if broken("lambda-shared-role") else worker_role, breakable=False
)

aws.lambda_.EventSourceMapping(
    "worker-source",
    event_source_arn=queue.arn,
    function_name=worker_fn.arn,
    batch_size=10,
    function_response_types=["ReportBatchItemFailures"],
)
if not broken("lambda-no-failure-destination"):
    aws.lambda_.FunctionEventInvokeConfig(
        "api-on-failure",
        function_name=api_fn.name,
        destination_config={"on_failure": {"destination": dlq.arn}},
    )

api = aws.apigatewayv2.Api("api", protocol_type="HTTP")
access_logs = aws.cloudwatch.LogGroup(
    "api-access-logs", name="/pcizone/u-case/api", retention_in_days=400, kms_key_id=key.arn
)
route_settings: dict[str, object] = {"detailed_metrics_enabled": True}
if not broken("apigw-no-throttling"):
    route_settings.update(throttling_burst_limit=40, throttling_rate_limit=20)
if broken("apigw-data-trace"):
    route_settings["data_trace_enabled"] = True
aws.apigatewayv2.Stage(
    "api-stage",
    api_id=api.id,
    name="$default",
    auto_deploy=True,
    access_log_settings=None
    if broken("apigw-no-access-logs")
    else {
        "destination_arn": access_logs.arn,
        "format": json.dumps({"requestId": "$context.requestId"}),
    },
    default_route_settings=route_settings,
)
aws.lambda_.Permission(
    "api-invoke",
    action="lambda:InvokeFunction",
    function=api_fn.name,
    principal="apigateway.amazonaws.com",
    source_arn=None
    if broken("lambda-permission-no-source")
    # The API's execution ARN is computed by AWS: unknown during preview (mocks leave it out).
    else api.execution_arn.apply(lambda arn: f"{arn}/*/*")
    if broken("lambda-permission-unknown-source")
    else api.id.apply(lambda api_id: f"arn:aws:execute-api:eu-west-1:111111111111:{api_id}/*/*"),
)

secret = aws.secretsmanager.Secret(
    "processor-key",
    kms_key_id=None if broken("secret-no-cmk") else key.arn,
    recovery_window_in_days=30,
)
if not broken("secret-no-rotation"):
    aws.secretsmanager.SecretRotation(
        "processor-key-rotation",
        secret_id=secret.id,
        rotation_lambda_arn="arn:aws:lambda:eu-west-1:111111111111:function:pcz-dev-rotator",
        rotation_rules={"automatically_after_days": 180 if broken("secret-rotation-slow") else 30},
    )

# A third-party key rotated by hand: declared period and runbook instead of a SecretRotation.
aws.secretsmanager.Secret(
    "partner-key",
    kms_key_id=key.arn,
    recovery_window_in_days=30,
    description="Partner API key; rotated by hand"
    + ("" if broken("manual-rotation-no-runbook") else ": docs/runbooks/rotate-partner-key.md"),
    tags={
        "pcizone:rotation": "manual",
        "pcizone:rotation-max-days": "365" if broken("manual-rotation-slow") else "90",
    },
)

aws.sns.Topic("alerts", kms_master_key_id=None if broken("sns-no-kms") else key.arn)
