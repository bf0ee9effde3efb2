"""The HTTP API: two routes, IAM (or JWT) authorization, throttling, safe access logs."""

from __future__ import annotations

import json

import pytest
from data_plane_runs import of_type, one, outputs, run
from pcizone.config.payments_settings import ApiSettings
from pcizone.offline.model import UNKNOWN
from pcizone.offline.runner import run_stack
from pcizone.payments_deploy.http_api import access_log_format

SERVICE_STACKS = ("dev-alice", "dev-bob", "staging", "prod")
THROTTLES = {
    "dev-alice": (20, 40),
    "dev-bob": (50, 100),
    "staging": (100, 200),
    "prod": (500, 1000),
}


@pytest.mark.parametrize("stack", SERVICE_STACKS)
def test_routes_authorization_throttling_and_access_logs(stack: str) -> None:
    recorded = run(stack)
    api = one(recorded.resources, "aws:apigatewayv2/api:Api", "payments-http-api")
    assert api.inputs["protocolType"] == "HTTP"
    routes = of_type(recorded.resources, "aws:apigatewayv2/route:Route")
    assert sorted(r.inputs["routeKey"] for r in routes) == ["GET /payments/{id}", "POST /payments"]
    assert {r.inputs["authorizationType"] for r in routes} == {"AWS_IAM"}
    integration = one(
        recorded.resources, "aws:apigatewayv2/integration:Integration", "payments-http-integration"
    )
    api_fn = one(recorded.resources, "aws:lambda/function:Function", "payments-api-function")
    assert integration.inputs["integrationUri"] == api_fn.outputs["invokeArn"]
    assert integration.inputs["payloadFormatVersion"] == "2.0"
    stage = one(recorded.resources, "aws:apigatewayv2/stage:Stage", "payments-http-stage")
    rate, burst = THROTTLES[stack]
    assert stage.inputs["defaultRouteSettings"]["throttlingRateLimit"] == rate
    assert stage.inputs["defaultRouteSettings"]["throttlingBurstLimit"] == burst
    access = one(
        recorded.resources, "aws:cloudwatch/logGroup:LogGroup", "payments-http-access-logs"
    )
    assert stage.inputs["accessLogSettings"]["destinationArn"] == access.outputs["arn"]
    assert access.inputs["kmsKeyId"].startswith("arn:aws:kms:")
    # The endpoint is computed by AWS: unknown during a preview, as with the real engine.
    assert "apiEndpoint" not in api.outputs
    assert run(stack).outputs["apiUrl"] is UNKNOWN
    assert outputs(stack)["logGroupNames"]["apiAccess"] == access.inputs["name"]


def test_access_logs_name_the_caller_and_never_the_raw_path() -> None:
    fields = json.loads(access_log_format("iam"))
    assert fields["caller"] == "$context.identity.userArn"
    assert fields["routeKey"] == "$context.routeKey"
    values = " ".join(fields.values())
    assert "$context.path" not in values and "querystring" not in values.lower()
    assert json.loads(access_log_format("jwt"))["caller"] == "$context.authorizer.claims.sub"


def test_api_gateway_may_invoke_only_the_two_routes() -> None:
    recorded, out = run("dev-alice"), outputs("dev")
    api = one(recorded.resources, "aws:apigatewayv2/api:Api", "payments-http-api")
    execution = f"arn:aws:execute-api:eu-west-1:{out['accountId']}:{api.outputs['id']}"
    permissions = [
        p for p in of_type(recorded.resources, "aws:lambda/permission:Permission")
        if p.inputs["principal"] == "apigateway.amazonaws.com"
    ]  # fmt: skip
    assert sorted(p.inputs["sourceArn"] for p in permissions) == [
        f"{execution}/*/GET/payments/*",
        f"{execution}/*/POST/payments",
    ]
    relay = [
        p
        for p in of_type(recorded.resources, "aws:lambda/permission:Permission")
        if p.inputs["principal"] == "events.amazonaws.com"
    ]
    rule = one(recorded.resources, "aws:cloudwatch/eventRule:EventRule", "payments-relay-schedule")
    assert [p.inputs["sourceArn"] for p in relay] == [rule.outputs["arn"]]
    assert rule.inputs["scheduleExpression"] == "rate(1 minute)"


def test_jwt_authorization_is_a_config_option() -> None:
    payments = {
        "queue": {"visibilityTimeoutSeconds": 60},
        "worker": {"timeoutSeconds": 10, "maximumConcurrency": 2, "reservedConcurrency": 5},
        "api": {"auth": "jwt", "jwtIssuer": "https://id.example.com", "jwtAudience": ["payments"]},
    }
    recorded = run_stack(
        "dev-alice",
        config_overrides={"pcizone:payments": payments},
        stack_outputs={"org": outputs("org"), "dev": outputs("dev")},
    )
    (authorizer,) = of_type(recorded.resources, "aws:apigatewayv2/authorizer:Authorizer")
    assert authorizer.inputs["authorizerType"] == "JWT"
    assert authorizer.inputs["jwtConfiguration"] == {
        "issuer": "https://id.example.com",
        "audiences": ["payments"],
    }
    routes = of_type(recorded.resources, "aws:apigatewayv2/route:Route")
    assert {r.inputs["authorizationType"] for r in routes} == {"JWT"}
    assert {r.inputs["authorizerId"] for r in routes} == {authorizer.outputs["id"]}
    fields = json.loads(
        one(recorded.resources, "aws:apigatewayv2/stage:Stage", "payments-http-stage").inputs[
            "accessLogSettings"
        ]["format"]
    )
    assert fields["caller"] == "$context.authorizer.claims.sub"


def test_jwt_needs_issuer_and_audience() -> None:
    settings = ApiSettings(
        auth="jwt", jwt_issuer="https://issuer.example.com", jwt_audience=["payments"]
    )
    assert settings.auth == "jwt"
    with pytest.raises(ValueError, match="auth 'jwt' needs jwtIssuer and jwtAudience"):
        ApiSettings(auth="jwt")
