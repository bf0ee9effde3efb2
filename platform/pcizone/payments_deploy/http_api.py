"""The payments HTTP API: two routes, IAM or JWT authorization, throttling, access logs.

Only `POST /payments` and `GET /payments/{id}` exist; anything else is answered 404 by API
Gateway before any code runs. Access logs record the route template, never the raw path or
query (a client could put a card number there), plus who called (PCI DSS 10.2.1, 10.2.2).
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from pcizone.config.payments_settings import ApiSettings
from pcizone.core.naming import DataClass, Naming
from pcizone.data.log_groups import LogSubscriber, encrypted_log_group
from pcizone.data.placement import Placement
from pcizone.log_pipeline.protection import pan_data_protection_policy

STAGE = "$default"
ROUTES = ("POST /payments", "GET /payments/{id}")
_INTEGRATION_LIMIT_MS = 30_000


def access_log_format(auth: str) -> str:
    caller = (
        {"caller": "$context.identity.userArn", "callerAccount": "$context.identity.accountId"}
        if auth == "iam"
        else {"caller": "$context.authorizer.claims.sub"}
    )
    fields = {
        "requestId": "$context.requestId",
        "requestTime": "$context.requestTime",
        "sourceIp": "$context.identity.sourceIp",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "integrationStatus": "$context.integrationStatus",
        "integrationError": "$context.integrationErrorMessage",
        "authorizerError": "$context.authorizer.error",
        **caller,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def route_source_arn(execution_arn: pulumi.Input[str], route: str) -> pulumi.Output[str]:
    """`<execution arn>/<stage>/<METHOD>/<path>`, path parameters as `*`."""
    method, path = route.split(" ", 1)
    pattern = "/".join("*" if part.startswith("{") else part for part in path.split("/"))
    return pulumi.Output.concat(execution_arn, f"/*/{method}{pattern}")


class PaymentsApi(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        settings: ApiSettings,
        function: aws.lambda_.Function,
        logs_key_arn: pulumi.Input[str],
        log_retention_days: int,
        subscriber: LogSubscriber | None,
        naming: Naming,
        placement: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:payments:Api", name, None, opts)
        tags = naming.tags(DataClass.CARDHOLDER_DATA, component="payments-api")
        api_name = naming.name("payments-api")
        self.access_logs = encrypted_log_group(
            f"{name}-access-logs",
            group_name=f"/aws/apigateway/{api_name}",
            naming=naming,
            component="payments-api",
            placement=placement,
            parent=self,
            kms_key_arn=logs_key_arn,
            retention_days=log_retention_days,
            subscriber=subscriber,
        )
        protection = aws.cloudwatch.LogDataProtectionPolicy(
            f"{name}-access-logs-pan-protection",
            log_group_name=self.access_logs.name,
            policy_document=pan_data_protection_policy(f"{api_name}-card-numbers"),
            opts=placement.opts(self),
        )
        self.api = aws.apigatewayv2.Api(
            f"{name}-api",
            name=api_name,
            protocol_type="HTTP",
            description="pcizone payments API (processor tokens only, never card numbers)",
            disable_execute_api_endpoint=False,
            ip_address_type="ipv4",
            tags=tags,
            opts=placement.opts(self),
        )
        # The execution ARN follows from the API id; reading it from the API would add a
        # computed attribute every emulator must reproduce.
        self.execution_arn = pulumi.Output.concat(
            f"arn:aws:execute-api:{placement.region}:", placement.account_id, ":", self.api.id
        )
        integration = aws.apigatewayv2.Integration(
            f"{name}-integration",
            api_id=self.api.id,
            integration_type="AWS_PROXY",
            integration_method="POST",
            integration_uri=function.invoke_arn,
            payload_format_version="2.0",
            connection_type="INTERNET",
            timeout_milliseconds=min(settings.timeout_seconds * 1000 + 1000, _INTEGRATION_LIMIT_MS),
            opts=placement.opts(self),
        )
        authorizer: aws.apigatewayv2.Authorizer | None = None
        if settings.auth == "jwt":
            authorizer = aws.apigatewayv2.Authorizer(
                f"{name}-jwt",
                api_id=self.api.id,
                name=naming.name("payments-jwt"),
                authorizer_type="JWT",
                identity_sources=["$request.header.Authorization"],
                jwt_configuration=aws.apigatewayv2.AuthorizerJwtConfigurationArgs(
                    issuer=settings.jwt_issuer, audiences=list(settings.jwt_audience)
                ),
                opts=placement.opts(self),
            )
        routes = []
        for index, route in enumerate(ROUTES):
            routes.append(
                aws.apigatewayv2.Route(
                    f"{name}-route-{index}",
                    api_id=self.api.id,
                    route_key=route,
                    target=pulumi.Output.concat("integrations/", integration.id),
                    authorization_type="AWS_IAM" if authorizer is None else "JWT",
                    authorizer_id=authorizer.id if authorizer is not None else None,
                    api_key_required=False,
                    opts=placement.opts(self),
                )
            )
            aws.lambda_.Permission(
                f"{name}-invoke-{index}",
                function=function.name,
                action="lambda:InvokeFunction",
                principal="apigateway.amazonaws.com",
                source_arn=route_source_arn(self.execution_arn, route),
                opts=placement.opts(self),
            )
        self.stage = aws.apigatewayv2.Stage(
            f"{name}-stage",
            api_id=self.api.id,
            name=STAGE,
            auto_deploy=True,
            default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                throttling_rate_limit=settings.throttling_rate_limit,
                throttling_burst_limit=settings.throttling_burst_limit,
                detailed_metrics_enabled=True,
            ),
            access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                destination_arn=self.access_logs.arn,
                format=access_log_format(settings.auth),
            ),
            tags=tags,
            opts=placement.opts(self, depends_on=[protection, *routes]),
        )
        self.url = self.api.api_endpoint
        self.register_outputs({"url": self.url})
