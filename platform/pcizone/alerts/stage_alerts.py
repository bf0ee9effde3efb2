"""The stage's own alerting: the alarm topic and the database alarms.

Alarms can notify only a topic in their own region, so prod's global-replica-lag alarm (the
metric is published in the secondary's region) gets a topic of its own there, encrypted with
that region's queue key and mailing the same people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from pcizone.alerts import alarms
from pcizone.alerts.topic import AlarmTopic
from pcizone.core.naming import Naming
from pcizone.data.placement import Placement


@dataclass(frozen=True)
class ReplicaLagWatch:
    placement: Placement  # the DR region
    key_arn: pulumi.Input[str]  # the DR region's queue key
    secondary_cluster_id: pulumi.Input[str]
    rpo_seconds: float


class StageAlerts(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        emails: Sequence[str],
        key_arn: pulumi.Input[str],
        cluster_id: pulumi.Input[str],
        replica_lag: ReplicaLagWatch | None,
        naming: Naming,
        placement: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:alerts:StageAlerts", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.topic = AlarmTopic(
            name,
            emails=emails,
            key_arn=key_arn,
            naming=naming,
            placement=placement,
            opts=child,
        )
        alarms.aurora_cpu(
            alarms.AlarmTarget(naming, placement, self.topic.topic.arn, self),
            "aurora-cpu",
            cluster_id,
        )
        if replica_lag is not None:
            dr_topic = AlarmTopic(
                f"{name}-dr",
                emails=emails,
                key_arn=replica_lag.key_arn,
                naming=naming,
                placement=replica_lag.placement,
                name_suffix="-dr",
                opts=child,
            )
            alarms.global_replica_lag(
                alarms.AlarmTarget(naming, replica_lag.placement, dr_topic.topic.arn, self),
                "aurora-global-lag",
                replica_lag.secondary_cluster_id,
                replica_lag.rpo_seconds,
            )
        self.register_outputs({"topicArn": self.topic.topic.arn})
