"""The AWS restore drill against moto (snapshots, restores and deletes are supported there)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pcizone.dr.aws_restore import DRILL_TAG, AwsRestoreDrill, WaitPolicy
from pcizone.dr.ledger_port import LedgerDigest
from pcizone.dr.probe import new_run_id
from pcizone.dr.targets import DrillTargets
from pcizone.dr.timeline import Timeline

SOURCE = "pcz-prod-aurora"
DIGEST = LedgerDigest(
    rows={"payments": 10, "ledger_entries": 20},
    checksums={"payments": "aa", "ledger_entries": "bb"},
    marks={"payments": "2026-01-01 00:00:10+00", "ledger_entries": "20"},
)


@pytest.fixture(scope="module")
def rds() -> Iterator[Any]:
    """One emulated account for the module: every test must leave only the source behind."""
    with mock_aws():
        client = boto3.client("rds", region_name="eu-west-1")
        ec2 = boto3.client("ec2", region_name="eu-west-1")
        vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{i}.0/24", AvailabilityZone=az)[
                "Subnet"
            ]["SubnetId"]
            for i, az in enumerate(("eu-west-1a", "eu-west-1b"))
        ]
        group = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
        client.create_db_subnet_group(
            DBSubnetGroupName="pcz-prod-aurora-subnets",
            DBSubnetGroupDescription="private",
            SubnetIds=subnets,
        )
        client.create_db_cluster(
            DBClusterIdentifier=SOURCE,
            Engine="aurora-postgresql",
            EngineVersion="16.4",
            MasterUsername="pczadmin",
            MasterUserPassword="not-a-real-password-1",
            StorageEncrypted=True,
            KmsKeyId="arn:aws:kms:eu-west-1:123456789012:key/cardholder",
            DBSubnetGroupName="pcz-prod-aurora-subnets",
            VpcSecurityGroupIds=[group],
        )
        yield client


def make(rds: Any, timeline: Timeline, digest_at: Any) -> AwsRestoreDrill:
    return AwsRestoreDrill(
        rds,
        SOURCE,
        new_run_id(),  # as in production: a fresh run id, so names never collide
        digest_at,
        DrillTargets(60, 1, 5).for_scenario("restore"),
        timeline,
        wait=WaitPolicy(delay=0, max_attempts=5),
    )


def leftovers(rds: Any) -> tuple[list[str], list[str], list[str]]:
    clusters = [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]]
    instances = [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]]
    snapshots = [
        s["DBClusterSnapshotIdentifier"]
        for s in rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    ]
    return clusters, instances, snapshots


def test_restore_to_a_scratch_cluster_compares_and_deletes_everything(
    rds: Any, timeline: Timeline
) -> None:
    seen: list[tuple[str, LedgerDigest | None]] = []
    restored: dict[str, Any] = {}

    def digest_at(host: str, copy: LedgerDigest | None) -> LedgerDigest:
        seen.append((host, copy))
        if copy is None:  # the first call reads the copy: look at what the drill built
            scratch = rds.describe_db_clusters(DBClusterIdentifier=drill.scratch_cluster_id)
            restored.update(scratch["DBClusters"][0])
        return DIGEST

    drill = make(rds, timeline, digest_at)
    result = drill.run()

    assert result.passed, result.checks
    assert result.rpo_commits == 0
    # The copy was compared first, then the source filtered to the copy's marks.
    source_host = rds.describe_db_clusters(DBClusterIdentifier=SOURCE)["DBClusters"][0]["Endpoint"]
    assert [h for h, _ in seen] == [restored["Endpoint"], source_host]
    assert seen[1][1] == DIGEST
    # The copy stayed in the source's network and under its key, and was tagged as a drill.
    assert restored["DBSubnetGroup"] == "pcz-prod-aurora-subnets"
    assert restored["KmsKeyId"].endswith("key/cardholder")
    assert restored["DeletionProtection"] is False
    assert {"Key": DRILL_TAG, "Value": "restore"} in restored["TagList"]
    assert leftovers(rds) == ([SOURCE], [], [])
    names = [s.name for s in timeline.steps]
    assert names[:2] == [
        f"snapshot {SOURCE}",
        f"restore the snapshot to {drill.scratch_cluster_id}",
    ]
    assert names[-3:] == [
        f"delete instance {drill.scratch_instance_id}",
        f"delete scratch cluster {drill.scratch_cluster_id}",
        f"delete snapshot {drill.snapshot_id}",
    ]


def test_a_mismatch_fails_the_drill_and_still_deletes_the_copy(
    rds: Any, timeline: Timeline
) -> None:
    short = LedgerDigest(
        rows={"payments": 9, "ledger_entries": 20}, checksums=DIGEST.checksums, marks=DIGEST.marks
    )

    result = make(rds, timeline, lambda _h, copy: short if copy is None else DIGEST).run()

    assert not result.passed
    failed = next(c for c in result.checks if c.name == "row counts and ledger checksums match")
    assert not failed.passed and "payments: 9 rows here, 10 in the other copy" in failed.detail
    assert result.rpo_commits == 1
    assert leftovers(rds) == ([SOURCE], [], [])


def test_an_error_mid_drill_is_reported_and_cleaned_up(rds: Any, timeline: Timeline) -> None:
    def broken(_host: str, _copy: LedgerDigest | None) -> LedgerDigest:
        raise ConnectionError("could not reach the scratch cluster")

    result = make(rds, timeline, broken).run()

    assert result.error == "ConnectionError: could not reach the scratch cluster"
    assert not result.passed
    assert next(c.passed for c in result.checks if c.name == "scratch copy deleted")
    assert leftovers(rds) == ([SOURCE], [], [])
