"""The Aurora Global Database drills, against botocore's Stubber (moto lacks these calls).

Each test queues the exact DescribeGlobalClusters answers AWS would give, asserts the exact
sequence of API calls with their parameters, and the waits between polls.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from dr_fakes import FakeTime, ScriptedProbe
from pcizone.dr.aws_db_drill import AwsDbDrill, AwsTimeouts, RegionLag
from pcizone.dr.aws_global import GlobalClusterDriver
from pcizone.dr.results import ScenarioResult
from pcizone.dr.stop_conditions import StopConditions
from pcizone.dr.targets import DrillTargets
from pcizone.dr.timeline import Timeline

GLOBAL = "pcz-prod-payments-global"
PRIMARY = "arn:aws:rds:eu-west-1:111122223333:cluster:pcz-prod-payments"
SECONDARY = "arn:aws:rds:eu-central-1:111122223333:cluster:pcz-prod-payments-dr"
TARGETS = DrillTargets(rto_seconds=60, rpo_seconds=1, rpo_commits=5, region="eu-central-1")


def cluster(
    *,
    writer: str = PRIMARY,
    status: str = "available",
    moving: str | None = None,
    old_sync: str = "connected",
    data_loss: bool = False,
) -> dict[str, Any]:
    """A DescribeGlobalClusters answer: `writer` writes, the other member is a secondary."""
    reader = SECONDARY if writer == PRIMARY else PRIMARY
    g: dict[str, Any] = {
        "GlobalClusterIdentifier": GLOBAL,
        "Status": status,
        "Engine": "aurora-postgresql",
        "GlobalClusterMembers": [
            {"DBClusterArn": writer, "IsWriter": True, "Readers": [reader]},
            {"DBClusterArn": reader, "IsWriter": False, "SynchronizationStatus": old_sync},
        ],
    }
    if moving:
        g["FailoverState"] = {
            "Status": moving,
            "FromDbClusterArn": PRIMARY if writer == PRIMARY else SECONDARY,
            "ToDbClusterArn": SECONDARY if writer == PRIMARY else PRIMARY,
            "IsDataLossAllowed": data_loss,
        }
    return {"GlobalClusters": [g]}


DESCRIBE = {"GlobalClusterIdentifier": GLOBAL}


def switchover_params(target: str) -> dict[str, Any]:
    return {"GlobalClusterIdentifier": GLOBAL, "TargetDbClusterIdentifier": target}


class Rds:
    """A stubbed RDS client that also records the names of the operations called."""

    def __init__(self) -> None:
        self.client = boto3.client(
            "rds",
            region_name="eu-central-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        self.stub = Stubber(self.client)
        self.calls: list[str] = []
        self.client.meta.events.register(
            "before-parameter-build.rds", lambda model, **_: self.calls.append(model.name)
        )

    def describe(self, answer: dict[str, Any]) -> None:
        self.stub.add_response("describe_global_clusters", answer, DESCRIBE)

    def switchover(self, target: str) -> None:
        self.stub.add_response(
            "switchover_global_cluster",
            {"GlobalCluster": {"GlobalClusterIdentifier": GLOBAL}},
            switchover_params(target),
        )

    def failover(self, target: str) -> None:
        self.stub.add_response(
            "failover_global_cluster",
            {"GlobalCluster": {"GlobalClusterIdentifier": GLOBAL}},
            {**switchover_params(target), "AllowDataLoss": True},
        )


@pytest.fixture
def rds() -> Iterator[Rds]:
    r = Rds()
    with r.stub:
        yield r
        r.stub.assert_no_pending_responses()


def make_drill(
    scenario: str,
    rds: Rds,
    fake_time: FakeTime,
    timeline: Timeline,
    *,
    probe: ScriptedProbe | None = None,
    lag_ms: float = 120.0,
    lose_last: int = 0,
    transition_timeout: float = 900.0,
) -> tuple[AwsDbDrill, ScriptedProbe]:
    probe = probe or ScriptedProbe(timeline.clock)
    driver = GlobalClusterDriver(
        rds.client, GLOBAL, poll_seconds=10.0, now=fake_time.now, sleep=fake_time.sleep
    )

    def stored(conninfo: str) -> dict[str, int]:
        assert conninfo == f"host=writer-of-{SECONDARY}"
        old = sorted(a.key for a in probe.attempts() if a.writer == PRIMARY)
        lost = set(old[len(old) - lose_last :]) if lose_last else set()
        return {k: n for k, n in probe.keys().items() if k not in lost}

    drill = AwsDbDrill(
        scenario=scenario,
        driver=driver,
        probe=probe,
        dr_region="eu-central-1",
        read_lag=lambda: [
            RegionLag("eu-west-1", -1, -1),
            RegionLag("eu-central-1", lag_ms, lag_ms),
        ],
        conninfo_for=lambda arn: f"host=writer-of-{arn}",
        stored_keys=stored,
        targets=TARGETS.for_scenario(scenario),
        timeline=timeline,
        stop=StopConditions(max_error_rate=0.05, max_lag_ms=1_000),
        timeouts=AwsTimeouts(transition=transition_timeout, recovery=60, resync=600),
    )
    return drill, probe


def check(result: ScenarioResult, name: str) -> bool:
    return next(c.passed for c in result.checks if c.name == name)


def test_switchover_then_fail_back_in_exact_order(
    rds: Rds, fake_time: FakeTime, timeline: Timeline
) -> None:
    rds.describe(cluster())
    rds.switchover(SECONDARY)
    rds.describe(cluster(status="switching-over", moving="switching-over"))
    rds.describe(cluster(writer=SECONDARY))
    rds.describe(cluster(writer=SECONDARY))  # resync check before failing back
    rds.switchover(PRIMARY)
    rds.describe(cluster(writer=SECONDARY, status="switching-over", moving="switching-over"))
    rds.describe(cluster())
    drill, probe = make_drill("db-switchover", rds, fake_time, timeline)

    result = drill.run()

    assert rds.calls == [
        "DescribeGlobalClusters",
        "SwitchoverGlobalCluster",
        "DescribeGlobalClusters",
        "DescribeGlobalClusters",
        "DescribeGlobalClusters",
        "SwitchoverGlobalCluster",
        "DescribeGlobalClusters",
        "DescribeGlobalClusters",
    ]
    assert fake_time.sleeps == [10.0, 10.0]
    assert result.passed, result.checks
    assert result.rpo_commits == 0
    assert result.rto_seconds is not None and 0 <= result.rto_seconds < 5
    assert result.measurements["rpo_lag_in_msec_before_fault"] == 120.0
    assert result.measurements["original_writer"] == PRIMARY
    assert check(result, "failed back to the original writer")
    assert probe.started and probe.stopped
    # The probe wrote to the primary, then (re-pointed) to the promoted secondary.
    writers = [a.writer for a in probe.attempts()]
    assert writers[0] == PRIMARY and writers[-1] == SECONDARY
    assert result.targets.rpo_commits == 0  # a switchover may lose nothing


def test_failover_allows_data_loss_and_waits_for_resync_before_fail_back(
    rds: Rds, fake_time: FakeTime, timeline: Timeline
) -> None:
    rds.describe(cluster())
    rds.failover(SECONDARY)
    rds.describe(cluster(status="failing-over", moving="failing-over", data_loss=True))
    rds.describe(cluster(writer=SECONDARY, old_sync="pending-resync"))
    rds.describe(cluster(writer=SECONDARY, old_sync="pending-resync"))  # resync not done
    rds.describe(cluster(writer=SECONDARY, old_sync="pending-resync"))
    rds.describe(cluster(writer=SECONDARY))  # now connected
    rds.switchover(PRIMARY)
    rds.describe(cluster())
    drill, _ = make_drill("db-failover", rds, fake_time, timeline, lose_last=3)

    result = drill.run()

    assert rds.calls.count("FailoverGlobalCluster") == 1
    assert rds.calls.count("SwitchoverGlobalCluster") == 1  # the fail-back only
    assert rds.calls.index("FailoverGlobalCluster") < rds.calls.index("SwitchoverGlobalCluster")
    assert fake_time.sleeps == [10.0, 10.0, 10.0]
    assert result.rpo_commits == 3
    accounting = result.measurements["accounting"]
    assert accounting["lost_commits_are_contiguous_tail"] is True
    assert len(accounting["missing_seqs"]) == 3
    assert result.passed, result.checks  # 3 lost is within the target of 5
    assert result.targets.rpo_commits == 5


def test_failover_losing_more_than_the_target_fails(
    rds: Rds, fake_time: FakeTime, timeline: Timeline
) -> None:
    rds.describe(cluster())
    rds.failover(SECONDARY)
    rds.describe(cluster(writer=SECONDARY))
    rds.describe(cluster(writer=SECONDARY))
    rds.switchover(PRIMARY)
    rds.describe(cluster())
    drill, _ = make_drill("db-failover", rds, fake_time, timeline, lose_last=8)

    result = drill.run()

    assert result.rpo_commits == 8
    assert not result.passed
    assert not check(result, "rpo commits within target")
    assert check(result, "failed back to the original writer")


@pytest.mark.parametrize(
    ("lag_ms", "error_rate", "reason"),
    [
        (5_000.0, 0.0, "replication lag 5000 ms is above the limit 1000 ms"),
        (100.0, 0.2, "probe error rate 20.0% is above the limit 5.0%"),
    ],
)
def test_stop_condition_aborts_before_any_fault(
    rds: Rds,
    fake_time: FakeTime,
    timeline: Timeline,
    lag_ms: float,
    error_rate: float,
    reason: str,
) -> None:
    rds.describe(cluster())
    probe = ScriptedProbe(timeline.clock, error_rate=error_rate)
    drill, _ = make_drill("db-switchover", rds, fake_time, timeline, probe=probe, lag_ms=lag_ms)

    result = drill.run()

    assert rds.calls == ["DescribeGlobalClusters"]  # no fault, so nothing to fail back
    assert not result.passed
    assert not check(result, "stop conditions before the fault")
    assert any(reason in a for a in timeline.anomalies)
    assert any("aborted before the fault" in s.name for s in timeline.steps)
    assert probe.stopped


def test_transition_that_never_settles_is_reported_mid_transition(
    rds: Rds, fake_time: FakeTime, timeline: Timeline
) -> None:
    rds.describe(cluster())
    rds.switchover(SECONDARY)
    for _ in range(4):  # at 0, 10, 20 and 30 s: the 30 s timeout is reached on the 4th
        rds.describe(cluster(status="switching-over", moving="switching-over"))
    drill, probe = make_drill("db-switchover", rds, fake_time, timeline, transition_timeout=30)

    result = drill.run()

    assert rds.calls.count("SwitchoverGlobalCluster") == 1  # no fail-back on an unknown state
    assert fake_time.sleeps == [10.0, 10.0, 10.0]
    assert not result.passed
    assert result.error is not None
    assert "MID-TRANSITION" in result.error
    assert "switching-over" in result.error
    assert GLOBAL in result.error
    assert probe.stopped


def test_cancelled_by_aws_is_reported_without_fail_back(
    rds: Rds, fake_time: FakeTime, timeline: Timeline
) -> None:
    rds.describe(cluster())
    rds.switchover(SECONDARY)
    rds.describe(cluster(status="switching-over", moving="pending"))
    rds.describe(cluster(status="switching-over", moving="cancelling"))
    rds.describe(cluster())  # the old writer is back
    drill, _ = make_drill("db-switchover", rds, fake_time, timeline)

    result = drill.run()

    assert rds.calls.count("SwitchoverGlobalCluster") == 1
    assert result.error is not None and "cancelled by AWS" in result.error
    assert not result.passed


def test_request_accepted_before_state_shows_is_not_mistaken_for_cancel(
    rds: Rds, fake_time: FakeTime, timeline: Timeline
) -> None:
    rds.describe(cluster())
    rds.switchover(SECONDARY)
    rds.describe(cluster())  # still looks untouched right after the call
    rds.describe(cluster(status="switching-over", moving="switching-over"))
    rds.describe(cluster(writer=SECONDARY))
    rds.describe(cluster(writer=SECONDARY))
    rds.switchover(PRIMARY)
    rds.describe(cluster())
    drill, _ = make_drill("db-switchover", rds, fake_time, timeline)

    result = drill.run()

    assert result.error is None
    assert result.passed, result.checks


def test_busy_cluster_is_refused_before_anything_happens(
    rds: Rds, fake_time: FakeTime, timeline: Timeline
) -> None:
    rds.describe(cluster(status="switching-over", moving="pending"))
    drill, probe = make_drill("db-failover", rds, fake_time, timeline)

    result = drill.run()

    assert rds.calls == ["DescribeGlobalClusters"]
    assert result.error is not None and result.error.startswith("drill not started")
    assert not probe.started


def test_interrupt_after_the_fault_restores_the_original_writer(
    rds: Rds, fake_time: FakeTime, timeline: Timeline
) -> None:
    rds.describe(cluster())
    rds.switchover(SECONDARY)
    rds.describe(cluster(writer=SECONDARY))
    # Ctrl-C while waiting for the probe: restore = let it settle, then switch back.
    rds.describe(cluster(writer=SECONDARY))
    rds.describe(cluster(writer=SECONDARY))
    rds.describe(cluster(writer=SECONDARY))
    rds.switchover(PRIMARY)
    rds.describe(cluster())
    probe = ScriptedProbe(timeline.clock)
    probe.on_wait = [None, KeyboardInterrupt()]
    drill, _ = make_drill("db-switchover", rds, fake_time, timeline, probe=probe)

    result = drill.run()

    assert result.interrupted
    assert not result.passed
    assert rds.calls[-2:] == ["SwitchoverGlobalCluster", "DescribeGlobalClusters"]
    assert check(result, "failed back to the original writer")
    assert any("interrupted by the operator" in a for a in timeline.anomalies)


def test_interrupt_before_the_fault_changes_nothing(
    rds: Rds, fake_time: FakeTime, timeline: Timeline
) -> None:
    rds.describe(cluster())
    probe = ScriptedProbe(timeline.clock)
    probe.on_wait = [KeyboardInterrupt()]
    drill, _ = make_drill("db-switchover", rds, fake_time, timeline, probe=probe)

    result = drill.run()

    assert rds.calls == ["DescribeGlobalClusters"]
    assert result.interrupted and probe.stopped
