"""The restore drill on AWS: cluster snapshot -> scratch cluster -> compare -> delete.

The scratch copy keeps the source's network (subnet group, security groups) and encryption
key, so cardholder data never leaves the isolated network or its encryption (PCI DSS 1.3,
3.5.1). Everything the drill creates carries a `pcizone:drill` tag and is deleted in a
`finally`, even when the comparison fails or the operator interrupts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pcizone.dr.ledger_port import LedgerDigest
from pcizone.dr.results import ScenarioResult
from pcizone.dr.targets import ScenarioTargets
from pcizone.dr.timeline import Timeline

DRILL_TAG = "pcizone:drill"


@dataclass(frozen=True)
class WaitPolicy:
    """botocore waiter settings; an Aurora restore takes 10-30 minutes."""

    delay: int = 30
    max_attempts: int = 120

    def config(self) -> dict[str, int]:
        return {"Delay": self.delay, "MaxAttempts": self.max_attempts}


@dataclass
class AwsRestoreDrill:
    rds: Any  # boto3 RDS client in the source cluster's region
    source_cluster_id: str
    run_id: str
    # Endpoint host -> digest of the ledger there (through a DB connection; tests inject it).
    # The second argument filters the source to the copy's high-water marks.
    digest_at: Callable[[str, LedgerDigest | None], LedgerDigest]
    targets: ScenarioTargets
    timeline: Timeline
    instance_class: str = "db.r6g.large"
    wait: WaitPolicy = field(default_factory=WaitPolicy)

    @property
    def snapshot_id(self) -> str:
        return f"{self.source_cluster_id}-{self.run_id}"

    @property
    def scratch_cluster_id(self) -> str:
        return f"{self.source_cluster_id}-{self.run_id}-scratch"

    @property
    def scratch_instance_id(self) -> str:
        return f"{self.scratch_cluster_id}-1"

    def run(self) -> ScenarioResult:
        result = ScenarioResult("restore", "aws", self.targets, self.timeline)
        tl = self.timeline
        created: list[str] = []
        try:
            source = self._describe(self.source_cluster_id)
            started = tl.clock.now()
            self._snapshot(created)
            endpoint = self._restore(source, created)
            with tl.step("compare the copy with the source ledger") as step:
                copy = self.digest_at(endpoint, None)
                original = self.digest_at(source["Endpoint"], copy)
                differences = copy.differences(original)
                step.note(tables=len(copy.rows), differences=len(differences))
            result.rto_seconds = tl.clock.now() - started
            result.rpo_commits = sum(
                abs(original.rows[t] - copy.rows.get(t, 0)) for t in original.rows
            )
            result.measurements.update(
                restored_rows=dict(copy.rows),
                source_rows_up_to_copy=dict(original.rows),
                restore_seconds=round(result.rto_seconds, 3),
            )
            result.check(
                "row counts and ledger checksums match",
                not differences,
                "; ".join(differences) or f"{sum(copy.rows.values())} rows match the source",
            )
            result.judge_targets()
        except KeyboardInterrupt:
            result.interrupted = True
            tl.anomaly("interrupted by the operator: deleting the scratch copy")
        except Exception as exc:
            result.error = f"{type(exc).__name__}: {exc}"
            tl.anomaly(f"restore drill failed: {result.error}")
        finally:
            leftovers = self._cleanup(created)
        result.check(
            "scratch copy deleted",
            not leftovers,
            "; ".join(leftovers) or "scratch cluster, instance and drill snapshot deleted",
        )
        return result

    # -- steps --------------------------------------------------------------------------------
    def _describe(self, cluster_id: str) -> dict[str, Any]:
        clusters = self.rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"]
        cluster: dict[str, Any] = clusters[0]
        return cluster

    def _tags(self) -> list[dict[str, str]]:
        return [
            {"Key": DRILL_TAG, "Value": "restore"},
            {"Key": "pcizone:drill-run", "Value": self.run_id},
        ]

    def _snapshot(self, created: list[str]) -> None:
        with self.timeline.step(f"snapshot {self.source_cluster_id}") as step:
            self.rds.create_db_cluster_snapshot(
                DBClusterSnapshotIdentifier=self.snapshot_id,
                DBClusterIdentifier=self.source_cluster_id,
                Tags=self._tags(),
            )
            created.append("snapshot")
            self.rds.get_waiter("db_cluster_snapshot_available").wait(
                DBClusterSnapshotIdentifier=self.snapshot_id, WaiterConfig=self.wait.config()
            )
            step.note(snapshot=self.snapshot_id)

    def _restore(self, source: dict[str, Any], created: list[str]) -> str:
        tl = self.timeline
        with tl.step(f"restore the snapshot to {self.scratch_cluster_id}") as step:
            args: dict[str, Any] = {
                "DBClusterIdentifier": self.scratch_cluster_id,
                "SnapshotIdentifier": self.snapshot_id,
                "Engine": source["Engine"],
                "EngineVersion": source["EngineVersion"],
                "DeletionProtection": False,
                "CopyTagsToSnapshot": False,
                "Tags": self._tags(),
            }
            if source.get("DBSubnetGroup"):
                args["DBSubnetGroupName"] = source["DBSubnetGroup"]
            groups = [g["VpcSecurityGroupId"] for g in source.get("VpcSecurityGroups", [])]
            if groups:
                args["VpcSecurityGroupIds"] = groups
            if source.get("KmsKeyId"):
                args["KmsKeyId"] = source["KmsKeyId"]
            self.rds.restore_db_cluster_from_snapshot(**args)
            created.append("cluster")
            self.rds.get_waiter("db_cluster_available").wait(
                DBClusterIdentifier=self.scratch_cluster_id, WaiterConfig=self.wait.config()
            )
            step.note(cluster=self.scratch_cluster_id)
        with tl.step(f"add an instance to {self.scratch_cluster_id}") as step:
            self.rds.create_db_instance(
                DBInstanceIdentifier=self.scratch_instance_id,
                DBClusterIdentifier=self.scratch_cluster_id,
                DBInstanceClass=self.instance_class,
                Engine=source["Engine"],
                PubliclyAccessible=False,
                Tags=self._tags(),
            )
            created.append("instance")
            self.rds.get_waiter("db_instance_available").wait(
                DBInstanceIdentifier=self.scratch_instance_id, WaiterConfig=self.wait.config()
            )
            endpoint = str(self._describe(self.scratch_cluster_id)["Endpoint"])
            step.note(instance=self.scratch_instance_id)
        return endpoint

    def _cleanup(self, created: list[str]) -> list[str]:
        """Deletes what this run created, newest first; returns what could not be deleted."""
        leftovers: list[str] = []
        tl = self.timeline
        steps: list[tuple[str, str, Callable[[], None]]] = [
            ("instance", f"delete instance {self.scratch_instance_id}", self._delete_instance),
            ("cluster", f"delete scratch cluster {self.scratch_cluster_id}", self._delete_cluster),
            ("snapshot", f"delete snapshot {self.snapshot_id}", self._delete_snapshot),
        ]
        for kind, name, delete in steps:
            if kind not in created:
                continue
            try:
                with tl.step(name):
                    delete()
            except Exception as exc:
                leftovers.append(f"{name} failed: {exc}; delete it by hand")
                tl.anomaly(leftovers[-1])
        return leftovers

    def _delete_instance(self) -> None:
        self.rds.delete_db_instance(
            DBInstanceIdentifier=self.scratch_instance_id, SkipFinalSnapshot=True
        )
        self.rds.get_waiter("db_instance_deleted").wait(
            DBInstanceIdentifier=self.scratch_instance_id, WaiterConfig=self.wait.config()
        )

    def _delete_cluster(self) -> None:
        # No final snapshot: the copy holds nothing the source does not.
        self.rds.delete_db_cluster(
            DBClusterIdentifier=self.scratch_cluster_id, SkipFinalSnapshot=True
        )
        self.rds.get_waiter("db_cluster_deleted").wait(
            DBClusterIdentifier=self.scratch_cluster_id, WaiterConfig=self.wait.config()
        )

    def _delete_snapshot(self) -> None:
        self.rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=self.snapshot_id)
