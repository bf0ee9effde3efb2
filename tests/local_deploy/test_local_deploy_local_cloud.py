"""The local cloud outlives the command: saved, restored on another port, reset when torn."""

from __future__ import annotations

import json
import socket

import pytest
from pcizone.local.deploy.deployer import DeployError, DeployResult, deploy_program
from pcizone.local.local_cloud import LocalCloud
from pcizone.local.lock import LocalCloudBusy
from pcizone.local.paths import LocalPaths
from pcizone.local.teardown import remove_local_cloud

from .conftest import CLOUD_STACK, PROGRAMS, REGION, deploy_payments_like

pytestmark = pytest.mark.postgres
STACK = CLOUD_STACK


def test_saved_cloud_is_restored_on_another_port_and_reset_when_state_disagrees(
    paths: LocalPaths,
) -> None:
    with LocalCloud(paths, repo_root=PROGRAMS, region=REGION) as first:
        created = deploy_payments_like(first)
        first_url = created.run.outputs["queueUrl"]
        first.aws.client("sqs").send_message(QueueUrl=first_url, MessageBody="kept")
        first_port = first.endpoint.port
    assert paths.emulator_snapshot.is_file() and paths.stack_state(STACK).is_file()

    with socket.socket() as blocker:  # the last port is taken: the next run must move
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", first_port))
        blocker.listen()
        with LocalCloud(paths, repo_root=PROGRAMS, region=REGION) as second:
            assert second.previous_generation == first.generation
            assert second.endpoint.port != first_port
            again = deploy_payments_like(second)
            assert again.counts()["same"] == len(again.resources) == len(created.resources)
            url = again.run.outputs["queueUrl"]
            assert url == first_url.replace(f":{first_port}/", f":{second.endpoint.port}/")
            received = second.aws.client("sqs").receive_message(QueueUrl=url)["Messages"]
            assert [m["Body"] for m in received] == ["kept"]

            with pytest.raises(LocalCloudBusy, match="in use by pcizone"):
                LocalCloud(paths, repo_root=PROGRAMS, region=REGION).start()

    # A state that does not belong to the saved emulator: nothing of either is trusted.
    saved = json.loads(paths.stack_state(STACK).read_text())
    saved["generation"] = "from-an-interrupted-run"
    paths.stack_state(STACK).write_text(json.dumps(saved))
    with LocalCloud(paths, repo_root=PROGRAMS, region=REGION) as third:
        assert third.previous_generation is None
        assert any("did not belong together" in note for note in third.notes)
        assert not paths.stack_state(STACK).exists()
        assert third.aws.client("sqs").list_queues().get("QueueUrls", []) == []
        fresh = deploy_payments_like(third)
        assert fresh.counts()["create"] == len(fresh.resources)


def test_deploy_time_invocations_run_in_the_local_runtime(paths: LocalPaths) -> None:
    def invoke(cloud: LocalCloud, handler: str) -> DeployResult:
        return deploy_program(
            PROGRAMS / "invocation" / "__main__.py",
            "invocation",
            cloud.target(),
            state_path=cloud.paths.stack_state("invocation"),
            region=REGION,
            config={"pcizone:handler": handler},
        )

    with LocalCloud(paths, repo_root=PROGRAMS, region=REGION) as cloud:
        result = invoke(cloud, "answer")
        assert json.loads(result.run.outputs["result"]) == {"answer": 42}
        assert any("ran function runner-" in note for _urn, note in cloud.services.notes)
        unchanged = invoke(cloud, "answer")
        assert unchanged.counts()["same"] == len(unchanged.resources)  # not invoked again
        with pytest.raises(DeployError) as raised:
            invoke(cloud, "fail")
    message = str(raised.value)
    assert "aws:lambda/invocation:Invocation 'run-once'" in message
    assert "ValueError: the migration could not be applied" in message
    assert str(paths.logs) in message


def test_down_removes_everything_once(paths: LocalPaths) -> None:
    with LocalCloud(paths, repo_root=PROGRAMS, region=REGION):
        pass
    assert (paths.postgres / "data" / "PG_VERSION").is_file()
    assert remove_local_cloud(paths) is True
    assert not paths.root.exists()
    assert remove_local_cloud(paths) is False
