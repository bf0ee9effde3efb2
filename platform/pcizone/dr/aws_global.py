"""Drives an Aurora Global Database switchover or failover and waits for it to settle.

boto3 has no waiter for global clusters: `wait_for_writer` polls DescribeGlobalClusters under
a deadline. A transition that does not settle in time is never left unreported: it raises
`MidTransition` naming the cluster's status, the failover state and the current writer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SYNC_CONNECTED = "connected"


@dataclass(frozen=True)
class Member:
    arn: str
    is_writer: bool
    sync: str | None  # SynchronizationStatus of a secondary: connected | pending-resync

    @property
    def region(self) -> str:
        return region_of(self.arn)


@dataclass(frozen=True)
class Topology:
    global_cluster_id: str
    status: str
    members: tuple[Member, ...]
    failover_status: str | None  # pending | failing-over | switching-over | cancelling
    failover_from: str | None
    failover_to: str | None

    @property
    def writer(self) -> str | None:
        writers = [m.arn for m in self.members if m.is_writer]
        return writers[0] if len(writers) == 1 else None

    def member(self, arn: str) -> Member | None:
        return next((m for m in self.members if m.arn == arn), None)

    @property
    def steady(self) -> bool:
        return self.status == "available" and self.failover_status is None

    @property
    def all_secondaries_synced(self) -> bool:
        return all(m.sync in (None, SYNC_CONNECTED) for m in self.members if not m.is_writer)

    def describe(self) -> str:
        moving = (
            f", transition {self.failover_status} from {self.failover_from} to {self.failover_to}"
            if self.failover_status
            else ""
        )
        lagging = [f"{m.arn} {m.sync}" for m in self.members if not m.is_writer and m.sync]
        resync = [x for x in lagging if not x.endswith(SYNC_CONNECTED)]
        syncing = f", secondaries not synced: {'; '.join(resync)}" if resync else ""
        return f"status {self.status}, writer {self.writer or 'none'}{moving}{syncing}"


class MidTransition(RuntimeError):
    """The global cluster did not settle in time: an operator must look at it now."""

    def __init__(self, action: str, topology: Topology, waited: float) -> None:
        self.topology = topology
        super().__init__(
            f"global cluster {topology.global_cluster_id} is MID-TRANSITION after {action}:"
            f" {topology.describe()} (waited {waited:.0f} s); it was left as it is:"
            " check it in the RDS console before any other action"
        )


class NotSteady(RuntimeError):
    """The global cluster is not in a state a drill may start from."""


def region_of(arn: str) -> str:
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or parts[2] != "rds" or not parts[3]:
        raise ValueError(f"not a regional RDS cluster ARN: {arn!r}")
    return parts[3]


class GlobalClusterDriver:
    def __init__(
        self,
        rds: Any,  # a boto3 RDS client, in the DR region (reachable when the primary is not)
        global_cluster_id: str,
        *,
        poll_seconds: float = 10.0,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rds = rds
        self.global_cluster_id = global_cluster_id
        self.poll_seconds = poll_seconds
        self._now = now
        self._sleep = sleep

    def describe(self) -> Topology:
        out = self.rds.describe_global_clusters(GlobalClusterIdentifier=self.global_cluster_id)
        clusters = out.get("GlobalClusters") or []
        if len(clusters) != 1:
            raise NotSteady(f"global cluster {self.global_cluster_id} not found")
        g = clusters[0]
        state = g.get("FailoverState") or {}
        return Topology(
            global_cluster_id=self.global_cluster_id,
            status=str(g.get("Status", "unknown")),
            members=tuple(
                Member(
                    arn=m["DBClusterArn"],
                    is_writer=bool(m.get("IsWriter")),
                    sync=m.get("SynchronizationStatus"),
                )
                for m in g.get("GlobalClusterMembers", [])
            ),
            failover_status=state.get("Status"),
            failover_from=state.get("FromDbClusterArn"),
            failover_to=state.get("ToDbClusterArn"),
        )

    def require_steady(self, *, target_region: str) -> tuple[Topology, str, str]:
        """(topology, writer ARN, secondary ARN in target_region) of a steady cluster."""
        topo = self.describe()
        if not topo.steady:
            raise NotSteady(f"global cluster {self.global_cluster_id} is busy: {topo.describe()}")
        writer = topo.writer
        if writer is None:
            raise NotSteady(f"global cluster {self.global_cluster_id} has no single writer")
        candidates = [m for m in topo.members if not m.is_writer and m.region == target_region]
        if len(candidates) != 1:
            raise NotSteady(
                f"global cluster {self.global_cluster_id} has {len(candidates)} secondary"
                f" cluster(s) in {target_region}; a drill needs exactly one"
            )
        secondary = candidates[0]
        if secondary.sync not in (None, SYNC_CONNECTED):
            raise NotSteady(f"secondary {secondary.arn} is {secondary.sync}, not connected")
        return topo, writer, secondary.arn

    def switchover(self, target_arn: str) -> None:
        self.rds.switchover_global_cluster(
            GlobalClusterIdentifier=self.global_cluster_id,
            TargetDbClusterIdentifier=target_arn,
        )

    def failover(self, target_arn: str) -> None:
        # An unplanned (regional outage) failover: the secondary is promoted without waiting
        # for the primary, so commits not yet replicated are lost (measured as RPO).
        self.rds.failover_global_cluster(
            GlobalClusterIdentifier=self.global_cluster_id,
            TargetDbClusterIdentifier=target_arn,
            AllowDataLoss=True,
        )

    def wait_for_writer(
        self, writer_arn: str, *, timeout: float, action: str, require_synced: bool = False
    ) -> Topology:
        """Polls until `writer_arn` is the only writer and no transition is in progress.

        Right after the API call the cluster may still look steady with the old writer
        (the request is accepted before its state shows): that is "not started yet", and only
        becomes "cancelled" once a transition was seen and the old writer is back.
        """
        start = self._now()
        seen_transition = False
        while True:
            topo = self.describe()
            if not topo.steady:
                seen_transition = True
            if topo.steady and topo.writer == writer_arn:
                if not require_synced or topo.all_secondaries_synced:
                    return topo
            elif topo.steady and seen_transition:
                raise Cancelled(action, topo)
            waited = self._now() - start
            if waited >= timeout:
                raise MidTransition(action, topo, waited)
            self._sleep(min(self.poll_seconds, max(timeout - waited, 0.0)))


class Cancelled(RuntimeError):
    """AWS cancelled the switchover or failover and restored the previous roles."""

    def __init__(self, action: str, topology: Topology) -> None:
        self.topology = topology
        super().__init__(
            f"{action} of {topology.global_cluster_id} was cancelled by AWS: {topology.describe()}"
        )
