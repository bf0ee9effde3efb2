"""Corpus program: a REST API (API Gateway v1) stage, compliant unless config breaks it.

`case:break` (a JSON list) names the misconfigurations to apply; see cases.yaml.
"""

import json

import pulumi
import pulumi_aws as aws

BREAK = set(pulumi.Config("case").get_object("break") or [])


def broken(name: str) -> bool:
    return name in BREAK


key = aws.kms.Key(
    "api-key",
    enable_key_rotation=True,
    deletion_window_in_days=30,
    tags={"pcizone:data-classification": "logs"},
)
access_logs = aws.cloudwatch.LogGroup("rest-access-logs", retention_in_days=400, kms_key_id=key.arn)
api = aws.apigateway.RestApi("rest-api", endpoint_configuration={"types": "REGIONAL"})
deployment = aws.apigateway.Deployment("rest-deployment", rest_api=api.id)
stage = aws.apigateway.Stage(
    "rest-stage",
    rest_api=api.id,
    deployment=deployment.id,
    stage_name="v1",
    access_log_settings=None
    if broken("rest-no-access-logs")
    else {
        "destination_arn": access_logs.arn,
        "format": json.dumps({"requestId": "$context.requestId", "status": "$context.status"}),
    },
)
settings: dict[str, object] = {
    "logging_level": "ERROR",
    "metrics_enabled": True,
    "data_trace_enabled": broken("rest-data-trace"),
}
if not broken("rest-no-throttling"):
    settings.update(throttling_burst_limit=100, throttling_rate_limit=50)
if not broken("rest-no-method-settings"):
    aws.apigateway.MethodSettings(
        "rest-all-methods",
        rest_api=api.id,
        stage_name=stage.stage_name,
        method_path="*/*",
        settings=settings,
    )
