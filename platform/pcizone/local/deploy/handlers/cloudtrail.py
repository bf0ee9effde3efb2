"""CloudTrail trails (stored by the emulator; it records no API activity)."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    ResourceContext,
    as_bool,
    drop_none,
    ignore_missing,
    tag_list,
)

_SELECTOR_KEYS = {
    "equals": "Equals",
    "startsWiths": "StartsWith",
    "endsWiths": "EndsWith",
    "notEquals": "NotEquals",
    "notStartsWiths": "NotStartsWith",
    "notEndsWiths": "NotEndsWith",
}


def _trail(ctx: ResourceContext) -> Any:
    return ctx.client("cloudtrail")


def _settings(inputs: dict[str, Any]) -> dict[str, Any]:
    return drop_none(
        {
            "S3BucketName": inputs["s3BucketName"],
            "S3KeyPrefix": inputs.get("s3KeyPrefix"),
            "SnsTopicName": inputs.get("snsTopicName"),
            "IncludeGlobalServiceEvents": as_bool(inputs.get("includeGlobalServiceEvents")),
            "IsMultiRegionTrail": as_bool(inputs.get("isMultiRegionTrail")),
            "EnableLogFileValidation": as_bool(inputs.get("enableLogFileValidation")),
            "CloudWatchLogsLogGroupArn": inputs.get("cloudWatchLogsGroupArn"),
            "CloudWatchLogsRoleArn": inputs.get("cloudWatchLogsRoleArn"),
            "KmsKeyId": inputs.get("kmsKeyId"),
            "IsOrganizationTrail": as_bool(inputs.get("isOrganizationTrail")),
        }
    )


class Trail(Handler):
    """id is the trail's ARN."""

    type = "aws:cloudtrail/trail:Trail"
    replace_on = frozenset({"name"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = ctx.name_or_auto(inputs, max_len=128)
        tags = ctx.tags(inputs)
        trail = _trail(ctx).create_trail(
            Name=name, **_settings(inputs), **({"TagsList": tag_list(tags)} if tags else {})
        )
        self._apply(ctx, name, inputs)
        return Deployed(
            trail["TrailARN"],
            {"arn": trail["TrailARN"], "name": name, "homeRegion": ctx.region, "tagsAll": tags},
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        name = str(current.outputs["name"])
        _trail(ctx).update_trail(Name=name, **_settings(inputs))
        self._apply(ctx, name, inputs)
        return Deployed(current.id, {**current.outputs, "tagsAll": ctx.tags(inputs)})

    def _apply(self, ctx: ResourceContext, name: str, inputs: dict[str, Any]) -> None:
        client = _trail(ctx)
        selectors = inputs.get("advancedEventSelectors") or []
        if selectors:
            client.put_event_selectors(
                TrailName=name,
                AdvancedEventSelectors=[
                    drop_none(
                        {
                            "Name": s.get("name"),
                            "FieldSelectors": [
                                {
                                    "Field": f["field"],
                                    **{
                                        api: list(f[k])
                                        for k, api in _SELECTOR_KEYS.items()
                                        if f.get(k)
                                    },
                                }
                                for f in s.get("fieldSelectors") or []
                            ],
                        }
                    )
                    for s in selectors
                ],
            )
        if as_bool(inputs.get("enableLogging")) is False:
            client.stop_logging(Name=name)
        else:
            client.start_logging(Name=name)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_trail(ctx).delete_trail, Name=current.outputs["name"])


HANDLERS: tuple[Handler, ...] = (Trail(),)
