"""API Gateway v2 (HTTP APIs): the API, its integrations, routes, authorizers and stages.

The emulator stores them; requests are served by the local runtime's HTTP server, which reads
the routes and integrations deployed here (`pcizone.local.deploy.registry`).
"""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    ResourceContext,
    as_bool,
    as_int,
    drop_none,
    ignore_missing,
)

DEFAULT_STAGE = "$default"


def _api(ctx: ResourceContext) -> Any:
    return ctx.client("apigatewayv2")


class Api(Handler):
    type = "aws:apigatewayv2/api:Api"
    replace_on = frozenset({"protocolType"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        api = _api(ctx).create_api(
            **drop_none(
                {
                    "Name": inputs["name"],
                    "ProtocolType": inputs["protocolType"],
                    "Description": inputs.get("description"),
                    "DisableExecuteApiEndpoint": as_bool(inputs.get("disableExecuteApiEndpoint")),
                    "RouteSelectionExpression": inputs.get("routeSelectionExpression"),
                    "ApiKeySelectionExpression": inputs.get("apiKeySelectionExpression"),
                    "Tags": ctx.tags(inputs) or None,
                }
            )
        )
        api_id = api["ApiId"]
        return Deployed(
            api_id,
            {
                "apiEndpoint": api.get("ApiEndpoint")
                or f"https://{api_id}.execute-api.{ctx.region}.amazonaws.com",
                "arn": f"arn:aws:apigateway:{ctx.region}::/apis/{api_id}",
                "executionArn": ctx.arn("execute-api", api_id),
                "tagsAll": ctx.tags(inputs),
            },
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        _api(ctx).update_api(
            **drop_none(
                {
                    "ApiId": current.id,
                    "Name": inputs["name"],
                    "Description": inputs.get("description") or "",
                    "DisableExecuteApiEndpoint": as_bool(inputs.get("disableExecuteApiEndpoint")),
                }
            )
        )
        tags = ctx.tags(inputs)
        if tags:
            _api(ctx).tag_resource(ResourceArn=current.outputs["arn"], Tags=tags)
        return Deployed(current.id, {**current.outputs, "tagsAll": tags})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_api(ctx).delete_api, ApiId=current.id)


class Integration(Handler):
    type = "aws:apigatewayv2/integration:Integration"
    replace_on = frozenset({"apiId", "integrationType"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        created = _api(ctx).create_integration(ApiId=inputs["apiId"], **self._settings(inputs))
        return Deployed(created["IntegrationId"], self._outputs(created, inputs))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        settings = {k: v for k, v in self._settings(inputs).items() if k != "IntegrationType"}
        updated = _api(ctx).update_integration(
            ApiId=inputs["apiId"], IntegrationId=current.id, **settings
        )
        return Deployed(current.id, self._outputs(updated, inputs))

    def _settings(self, inputs: dict[str, Any]) -> dict[str, Any]:
        return drop_none(
            {
                "IntegrationType": inputs["integrationType"],
                "IntegrationMethod": inputs.get("integrationMethod"),
                "IntegrationUri": inputs.get("integrationUri"),
                "PayloadFormatVersion": inputs.get("payloadFormatVersion"),
                "ConnectionType": inputs.get("connectionType"),
                "TimeoutInMillis": as_int(inputs.get("timeoutMilliseconds")),
                "Description": inputs.get("description"),
                "CredentialsArn": inputs.get("credentialsArn"),
                "RequestParameters": inputs.get("requestParameters"),
            }
        )

    def _outputs(self, created: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
        return {
            "integrationResponseSelectionExpression": created.get(
                "IntegrationResponseSelectionExpression", ""
            ),
            "apiId": inputs["apiId"],
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(
            _api(ctx).delete_integration, ApiId=current.outputs["apiId"], IntegrationId=current.id
        )


class Authorizer(Handler):
    type = "aws:apigatewayv2/authorizer:Authorizer"
    replace_on = frozenset({"apiId", "authorizerType"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        created = _api(ctx).create_authorizer(ApiId=inputs["apiId"], **self._settings(inputs))
        return Deployed(created["AuthorizerId"], {"apiId": inputs["apiId"]})

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        _api(ctx).update_authorizer(
            ApiId=inputs["apiId"], AuthorizerId=current.id, **self._settings(inputs)
        )
        return current

    def _settings(self, inputs: dict[str, Any]) -> dict[str, Any]:
        jwt = inputs.get("jwtConfiguration") or {}
        return drop_none(
            {
                "Name": inputs["name"],
                "AuthorizerType": inputs["authorizerType"],
                "IdentitySource": list(inputs.get("identitySources") or []),
                "AuthorizerUri": inputs.get("authorizerUri"),
                "AuthorizerPayloadFormatVersion": inputs.get("authorizerPayloadFormatVersion"),
                "EnableSimpleResponses": as_bool(inputs.get("enableSimpleResponses")),
                "JwtConfiguration": drop_none(
                    {"Issuer": jwt.get("issuer"), "Audience": list(jwt.get("audiences") or [])}
                )
                or None,
            }
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(
            _api(ctx).delete_authorizer, ApiId=current.outputs["apiId"], AuthorizerId=current.id
        )


class Route(Handler):
    type = "aws:apigatewayv2/route:Route"
    replace_on = frozenset({"apiId"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        created = _api(ctx).create_route(ApiId=inputs["apiId"], **self._settings(inputs))
        return Deployed(created["RouteId"], {"apiId": inputs["apiId"]})

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        _api(ctx).update_route(ApiId=inputs["apiId"], RouteId=current.id, **self._settings(inputs))
        return current

    def _settings(self, inputs: dict[str, Any]) -> dict[str, Any]:
        return drop_none(
            {
                "RouteKey": inputs["routeKey"],
                "Target": inputs.get("target"),
                "AuthorizationType": inputs.get("authorizationType"),
                "AuthorizerId": inputs.get("authorizerId"),
                "ApiKeyRequired": as_bool(inputs.get("apiKeyRequired")),
                "OperationName": inputs.get("operationName"),
                "AuthorizationScopes": list(inputs.get("authorizationScopes") or []) or None,
            }
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_api(ctx).delete_route, ApiId=current.outputs["apiId"], RouteId=current.id)


class Stage(Handler):
    type = "aws:apigatewayv2/stage:Stage"
    replace_on = frozenset({"apiId", "name"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = str(inputs["name"])
        _api(ctx).create_stage(
            ApiId=inputs["apiId"],
            StageName=name,
            Tags=ctx.tags(inputs),
            **self._settings(inputs),
        )
        return Deployed(name, self._outputs(ctx, name, inputs))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        _api(ctx).update_stage(
            ApiId=inputs["apiId"], StageName=current.id, **self._settings(inputs)
        )
        return Deployed(current.id, self._outputs(ctx, current.id, inputs))

    def _settings(self, inputs: dict[str, Any]) -> dict[str, Any]:
        route = inputs.get("defaultRouteSettings") or {}
        logs = inputs.get("accessLogSettings") or {}
        rate = route.get("throttlingRateLimit")
        return drop_none(
            {
                "AutoDeploy": as_bool(inputs.get("autoDeploy")),
                "Description": inputs.get("description"),
                "StageVariables": inputs.get("stageVariables"),
                "DefaultRouteSettings": drop_none(
                    {
                        "ThrottlingBurstLimit": as_int(route.get("throttlingBurstLimit")),
                        "ThrottlingRateLimit": float(rate) if rate is not None else None,
                        "DetailedMetricsEnabled": as_bool(route.get("detailedMetricsEnabled")),
                        "DataTraceEnabled": as_bool(route.get("dataTraceEnabled")),
                        "LoggingLevel": route.get("loggingLevel"),
                    }
                )
                or None,
                "AccessLogSettings": drop_none(
                    {"DestinationArn": logs.get("destinationArn"), "Format": logs.get("format")}
                )
                or None,
            }
        )

    def _outputs(self, ctx: ResourceContext, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        api_id = str(inputs["apiId"])
        endpoint = f"https://{api_id}.execute-api.{ctx.region}.amazonaws.com"
        path = "" if name == DEFAULT_STAGE else name
        return {
            "arn": f"arn:aws:apigateway:{ctx.region}::/apis/{api_id}/stages/{name}",
            "executionArn": ctx.arn("execute-api", f"{api_id}/{name}"),
            "invokeUrl": f"{endpoint}/{path}",
            "apiId": api_id,
            "tagsAll": ctx.tags(inputs),
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_api(ctx).delete_stage, ApiId=current.outputs["apiId"], StageName=current.id)


HANDLERS: tuple[Handler, ...] = (Api(), Integration(), Authorizer(), Route(), Stage())
