"""AWS Config: the recorder, its delivery channel and its on/off status (id: the name)."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    PutHandler,
    ResourceContext,
    as_bool,
    drop_none,
    ignore_missing,
)


def _config(ctx: ResourceContext) -> Any:
    return ctx.client("config")


class Recorder(PutHandler):
    type = "aws:cfg/recorder:Recorder"
    replace_on = frozenset({"name"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = str(inputs.get("name") or "default")
        group = inputs.get("recordingGroup") or {}
        mode = inputs.get("recordingMode") or {}
        _config(ctx).put_configuration_recorder(
            ConfigurationRecorder=drop_none(
                {
                    "name": name,
                    "roleARN": inputs["roleArn"],
                    "recordingGroup": drop_none(
                        {
                            "allSupported": as_bool(group.get("allSupported")),
                            "includeGlobalResourceTypes": as_bool(
                                group.get("includeGlobalResourceTypes")
                            ),
                            "resourceTypes": list(group.get("resourceTypes") or []) or None,
                        }
                    )
                    or None,
                    "recordingMode": {"recordingFrequency": mode["recordingFrequency"]}
                    if mode.get("recordingFrequency")
                    else None,
                }
            )
        )
        return Deployed(name)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(
            _config(ctx).delete_configuration_recorder, ConfigurationRecorderName=current.id
        )


class DeliveryChannel(PutHandler):
    type = "aws:cfg/deliveryChannel:DeliveryChannel"
    replace_on = frozenset({"name"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = str(inputs.get("name") or "default")
        snapshot = inputs.get("snapshotDeliveryProperties") or {}
        _config(ctx).put_delivery_channel(
            DeliveryChannel=drop_none(
                {
                    "name": name,
                    "s3BucketName": inputs["s3BucketName"],
                    "s3KeyPrefix": inputs.get("s3KeyPrefix"),
                    "s3KmsKeyArn": inputs.get("s3KmsKeyArn"),
                    "snsTopicARN": inputs.get("snsTopicArn"),
                    "configSnapshotDeliveryProperties": {
                        "deliveryFrequency": snapshot["deliveryFrequency"]
                    }
                    if snapshot.get("deliveryFrequency")
                    else None,
                }
            )
        )
        return Deployed(name)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_config(ctx).delete_delivery_channel, DeliveryChannelName=current.id)


class RecorderStatus(PutHandler):
    type = "aws:cfg/recorderStatus:RecorderStatus"
    replace_on = frozenset({"name"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = str(inputs["name"])
        if as_bool(inputs.get("isEnabled")):
            _config(ctx).start_configuration_recorder(ConfigurationRecorderName=name)
        else:
            _config(ctx).stop_configuration_recorder(ConfigurationRecorderName=name)
        return Deployed(name)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(
            _config(ctx).stop_configuration_recorder, ConfigurationRecorderName=current.id
        )


HANDLERS: tuple[Handler, ...] = (Recorder(), DeliveryChannel(), RecorderStatus())
