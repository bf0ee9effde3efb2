"""The SQS event source mapping against a real emulator: batches, partial failures, malformed
answers, errors, timeouts, crashes, visibility, redrive to the DLQ, FIFO order, concurrency."""

from __future__ import annotations

import io
import itertools
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pcizone.local.emulator import EmulatorEndpoint
from pcizone.local.runtime import RuntimeConfigError, RuntimeTuning

from .conftest import (
    Queue,
    RuntimeFactory,
    admin_client,
    create_queue,
    function,
    mapping,
    read_records,
    wait_for,
)

RETRY_AT_ONCE = RuntimeTuning(
    poll_wait_seconds=1,
    fifo_idle_seconds=0.05,
    error_backoff_seconds=(0.05, 0.2),
    failed_visibility_seconds=0,
)


@pytest.fixture(scope="module")
def sqs(endpoint: EmulatorEndpoint) -> Any:
    return admin_client(endpoint, "sqs")


@pytest.fixture
def record_file(tmp_path: Path) -> Path:
    return tmp_path / "records.jsonl"


def send(sqs: Any, queue: Queue, *bodies: dict[str, Any], group: str | None = None) -> list[str]:
    ids = []
    for body in bodies:
        extra = {"MessageGroupId": group} if group else {}
        ids.append(
            sqs.send_message(QueueUrl=queue.url, MessageBody=json.dumps(body), **extra)["MessageId"]
        )
    return ids


def queue_counts(sqs: Any, queue: Queue) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue.url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


def dlq_ids(sqs: Any, dlq: Queue | None) -> set[str]:
    assert dlq is not None
    found = sqs.receive_message(QueueUrl=dlq.url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return {m["MessageId"] for m in found.get("Messages", [])}


def seen(records: list[dict[str, Any]], message_id: str) -> list[int]:
    return [r["receive_count"] for r in records if r.get("message_id") == message_id]


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def worker(record_file: Path, **kwargs: Any) -> Any:
    return function("worker", "sqs_scripted", env={"RECORD_FILE": str(record_file)}, **kwargs)


def test_a_successful_batch_is_deleted(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path
) -> None:
    queues = create_queue(sqs)
    ids = send(sqs, queues.main, *({"tag": i} for i in range(5)))
    runtime = make_runtime([worker(record_file)], [mapping("worker", queues.main)])
    wait_for(lambda: {r.get("message_id") for r in read_records(record_file)} >= set(ids))
    wait_for(lambda: queue_counts(sqs, queues.main) == (0, 0))
    records = read_records(record_file)
    assert sorted(seen(records, i)[0] for i in ids) == [1] * 5
    assert len([r for r in records if "message_id" in r]) == 5  # each delivered once
    # The batch event is written once its deletes returned.
    wait_for(lambda: sum(_int(b["deleted"]) for b in runtime.event_log.recent("batch")) == 5)
    assert all(b["outcome"] == "ok" for b in runtime.event_log.recent("batch"))


def test_partial_failure_keeps_only_the_failed_message_until_its_visibility_ends(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path
) -> None:
    queues = create_queue(sqs, visibility=1, max_receive=2)
    ok_1, bad, ok_2 = send(sqs, queues.main, {"do": "ok"}, {"do": "fail"}, {"do": "ok"})
    make_runtime([worker(record_file, timeout=1)], [mapping("worker", queues.main)])
    wait_for(lambda: dlq_ids(sqs, queues.dlq) == {bad})
    records = read_records(record_file)
    assert seen(records, ok_1) == [1]
    assert seen(records, ok_2) == [1]
    assert seen(records, bad) == [1, 2]
    retried = [r for r in records if r.get("message_id") == bad][1]
    # AWS semantics: back only once the visibility timeout from the first receive has passed.
    assert retried["start"] - retried["first_receive"] >= 1.0
    assert queue_counts(sqs, queues.main) == (0, 0)


@pytest.mark.parametrize(
    "answer",
    [
        {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]},
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"messageId": "x"}]},
        {"batchItemFailures": "all"},
        "done",
    ],
    ids=["unknown-id", "empty-id", "null-id", "bad-key", "not-a-list", "not-an-object"],
)
def test_a_malformed_answer_fails_the_whole_batch(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path, answer: Any
) -> None:
    queues = create_queue(sqs, max_receive=2)
    ids = send(sqs, queues.main, {"do": "ok"}, {"do": "ok", "answer": answer})
    runtime = make_runtime(
        [worker(record_file)], [mapping("worker", queues.main)], tuning=RETRY_AT_ONCE
    )
    wait_for(lambda: dlq_ids(sqs, queues.dlq) == set(ids))
    records = read_records(record_file)
    for message_id in ids:  # nothing was deleted: both came back, then went to the DLQ
        assert seen(records, message_id) == [1, 2]
    batches = runtime.event_log.recent("batch")
    assert all(b["whole_batch_failed"] and b["deleted"] == 0 for b in batches)


def test_without_partial_responses_the_answer_is_ignored(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path
) -> None:
    queues = create_queue(sqs, max_receive=2)
    answer = {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]}
    (message_id,) = send(sqs, queues.main, {"answer": answer})
    make_runtime(
        [worker(record_file)], [mapping("worker", queues.main, partial=False)], tuning=RETRY_AT_ONCE
    )
    wait_for(lambda: queue_counts(sqs, queues.main) == (0, 0))
    assert seen(read_records(record_file), message_id) == [1]


def test_a_function_error_fails_the_whole_batch(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path
) -> None:
    queues = create_queue(sqs, max_receive=2)
    ids = send(sqs, queues.main, {"do": "ok"}, {"do": "raise"})
    runtime = make_runtime(
        [worker(record_file)], [mapping("worker", queues.main)], tuning=RETRY_AT_ONCE
    )
    wait_for(lambda: dlq_ids(sqs, queues.dlq) == set(ids))
    assert [seen(read_records(record_file), i) for i in ids] == [[1, 2], [1, 2]]
    batches = runtime.event_log.recent("batch")
    assert {b["outcome"] for b in batches} == {"error"}
    assert {b["error_type"] for b in batches} == {"RuntimeError"}


def test_visibility_timeout_holds_a_failed_batch_back(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path
) -> None:
    queues = create_queue(sqs, visibility=2)
    (message_id,) = send(sqs, queues.main, {"do": "raise"})
    make_runtime([worker(record_file, timeout=1)], [mapping("worker", queues.main)])
    wait_for(lambda: len(seen(read_records(record_file), message_id)) == 1)
    time.sleep(1.0)
    assert seen(read_records(record_file), message_id) == [1]  # still invisible
    assert queue_counts(sqs, queues.main) == (0, 1)
    wait_for(lambda: len(seen(read_records(record_file), message_id)) == 2, timeout=5)
    retried = [r for r in read_records(record_file) if r.get("message_id") == message_id][1]
    assert retried["start"] - retried["first_receive"] >= 2.0


def test_a_timeout_fails_the_batch_and_replaces_the_environment(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path, tmp_path: Path
) -> None:
    queues = create_queue(sqs, visibility=1, max_receive=1)
    (slow,) = send(sqs, queues.main, {"do": "sleep", "seconds": 3})
    runtime = make_runtime([worker(record_file, timeout=1)], [mapping("worker", queues.main)])
    wait_for(lambda: dlq_ids(sqs, queues.dlq) == {slow})
    # The message may reach the DLQ before its invocation times out: the 1 s visibility
    # timeout started at the receive, before the cold start.
    wait_for(lambda: any(b["outcome"] == "timeout" for b in runtime.event_log.recent("batch")))
    (after,) = send(sqs, queues.main, {"do": "ok"})
    wait_for(lambda: len(seen(read_records(record_file), after)) == 1)
    records = read_records(record_file)
    first_pid = next(r["pid"] for r in records if r.get("message_id") == slow)
    second_pid = next(r["pid"] for r in records if r.get("message_id") == after)
    assert first_pid != second_pid
    assert not any(r.get("batch_end") and r["pid"] == first_pid for r in records)
    log = (tmp_path / "logs" / "worker.log").read_text()
    assert "Task timed out after 1.00 seconds" in log
    timed_out = [b for b in runtime.event_log.recent("batch") if b["outcome"] == "timeout"]
    assert timed_out and timed_out[0]["message_ids"] == [slow]


def test_a_crash_is_not_acknowledged_and_the_environment_restarts(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path, tmp_path: Path
) -> None:
    queues = create_queue(sqs, max_receive=2)
    ok_id, crash_id = send(sqs, queues.main, {"do": "ok"}, {"do": "crash"})
    runtime = make_runtime(
        [worker(record_file)], [mapping("worker", queues.main)], tuning=RETRY_AT_ONCE
    )
    wait_for(lambda: dlq_ids(sqs, queues.dlq) == {ok_id, crash_id})
    records = read_records(record_file)
    assert seen(records, ok_id) == [1, 2]  # it succeeded, but its batch was never acked
    pids = {r["pid"] for r in records if r.get("message_id") == crash_id}
    assert len(pids) == 2
    assert (
        "Runtime exited with error: exit status 3" in (tmp_path / "logs" / "worker.log").read_text()
    )
    assert {b["outcome"] for b in runtime.event_log.recent("batch")} == {"crash"}


def test_redrive_to_the_dlq_after_max_receive_count_feeds_the_auditor(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path, tmp_path: Path
) -> None:
    queues = create_queue(sqs, max_receive=3)
    assert queues.dlq is not None
    (poison,) = send(sqs, queues.main, {"do": "fail", "tag": "poison"})
    audit_file = tmp_path / "audit.jsonl"
    auditor = function("auditor", "sqs_record_event", env={"RECORD_FILE": str(audit_file)})
    runtime = make_runtime(
        [worker(record_file), auditor],
        [mapping("worker", queues.main), mapping("auditor", queues.dlq, batch_size=1)],
        tuning=RETRY_AT_ONCE,
    )
    wait_for(lambda: len(read_records(audit_file)) == 1)
    assert seen(read_records(record_file), poison) == [1, 2, 3]
    (audited,) = read_records(audit_file)
    (record,) = audited["event"]["Records"]
    assert record["messageId"] == poison
    assert json.loads(record["body"]) == {"do": "fail", "tag": "poison"}
    assert record["eventSourceARN"] == queues.dlq.arn
    assert record["eventSource"] == "aws:sqs"
    assert record["awsRegion"] == "eu-west-1"
    assert set(record["attributes"]) >= {"ApproximateReceiveCount", "SentTimestamp", "SenderId"}
    wait_for(lambda: queue_counts(sqs, queues.dlq) == (0, 0))
    sources = runtime.describe()["event_sources"]
    assert sources[0]["max_receive_count"] == 3


def test_fifo_groups_stay_in_order_with_one_batch_per_group_in_flight(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path
) -> None:
    queues = create_queue(sqs, fifo=True)
    for index in range(6):
        for group in ("a", "b"):
            body = {"do": "sleep", "seconds": 0.05, "tag": index, "group": group}
            send(sqs, queues.main, body, group=group)
    make_runtime(
        [worker(record_file)], [mapping("worker", queues.main, batch_size=2, concurrency=2)]
    )

    def finished() -> bool:
        records = read_records(record_file)
        ended = {r["request_id"] for r in records if "batch_end" in r}
        delivered = [r for r in records if "message_id" in r]
        return len(delivered) == 12 and {r["request_id"] for r in delivered} <= ended

    wait_for(finished)
    records = read_records(record_file)
    for group in ("a", "b"):
        in_group = [r for r in records if r.get("group") == group]
        assert [r["tag"] for r in in_group] == list(range(6))
        assert all(r["receive_count"] == 1 for r in in_group)
        # Batches of one group never overlap in time.
        ends = {r["request_id"]: r["batch_end"] for r in records if "batch_end" in r}
        spans = sorted({(r["start"], ends[r["request_id"]]) for r in in_group})
        assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(spans))


@pytest.mark.parametrize(
    ("maximum_concurrency", "reserved", "expected"),
    [(2, None, 2), (3, 1, 1)],
    ids=["mapping-cap", "function-cap"],
)
def test_concurrent_invocations_never_exceed_the_caps(
    make_runtime: RuntimeFactory,
    sqs: Any,
    record_file: Path,
    maximum_concurrency: int,
    reserved: int | None,
    expected: int,
) -> None:
    queues = create_queue(sqs)
    send(sqs, queues.main, *({"do": "sleep", "seconds": 0.3} for _ in range(6)))
    runtime = make_runtime(
        [worker(record_file, reserved=reserved)],
        [mapping("worker", queues.main, batch_size=1, concurrency=maximum_concurrency)],
    )
    wait_for(lambda: len([r for r in read_records(record_file) if "batch_end" in r]) == 6)
    spans = [(r["start"], r["batch_end"]) for r in read_records(record_file) if "batch_end" in r]
    peak = max(sum(1 for s, e in spans if s <= moment < e) for moment, _ in spans)
    assert peak == expected
    assert runtime.describe()["event_sources"][0]["pollers"] == expected


def test_the_batching_window_gathers_one_batch(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path
) -> None:
    queues = create_queue(sqs)
    # One poller (reserved concurrency 1), so one batch gathers everything sent in its window.
    make_runtime(
        [worker(record_file, reserved=1)], [mapping("worker", queues.main, batch_size=30, window=2)]
    )
    for index in range(15):
        send(sqs, queues.main, {"tag": index})
    wait_for(lambda: len([r for r in read_records(record_file) if "message_id" in r]) == 15)
    sizes = {r["batch_size"] for r in read_records(record_file) if "message_id" in r}
    assert sizes == {15}


def test_stop_with_drain_finishes_and_deletes_the_batch_in_flight(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path
) -> None:
    queues = create_queue(sqs)
    (message_id,) = send(sqs, queues.main, {"do": "sleep", "seconds": 1})
    runtime = make_runtime([worker(record_file)], [mapping("worker", queues.main)])
    wait_for(lambda: len(seen(read_records(record_file), message_id)) == 1)
    runtime.stop(drain=True)
    assert any("batch_end" in r for r in read_records(record_file))
    assert queue_counts(sqs, queues.main) == (0, 0)


def test_stop_without_drain_leaves_the_batch_on_the_queue(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path
) -> None:
    queues = create_queue(sqs, visibility=2)
    (message_id,) = send(sqs, queues.main, {"do": "sleep", "seconds": 1.5})
    runtime = make_runtime([worker(record_file, timeout=2)], [mapping("worker", queues.main)])
    wait_for(lambda: len(seen(read_records(record_file), message_id)) == 1)
    started = time.monotonic()
    runtime.stop(drain=False)
    assert time.monotonic() - started < 2.5
    assert not any("batch_end" in r for r in read_records(record_file))
    wait_for(lambda: queue_counts(sqs, queues.main) == (1, 0), timeout=5)  # back, not lost


def test_start_refuses_a_visibility_timeout_below_the_function_timeout(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path
) -> None:
    queues = create_queue(sqs, visibility=5)
    runtime = make_runtime(
        [worker(record_file, timeout=10)], [mapping("worker", queues.main)], start=False
    )
    with pytest.raises(RuntimeConfigError, match=r"visibility timeout \(5 s\) is less than"):
        runtime.start()


def test_start_refuses_a_queue_in_another_account(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path
) -> None:
    queues = create_queue(sqs)  # in the management account
    runtime = make_runtime(
        [worker(record_file, account="210987654321")],
        [mapping("worker", queues.main)],
        start=False,
    )
    with pytest.raises(RuntimeConfigError, match="queue not found in the emulator"):
        runtime.start()


def test_the_emulators_own_mapping_is_disabled(
    make_runtime: RuntimeFactory, endpoint: EmulatorEndpoint, sqs: Any, record_file: Path
) -> None:
    queues = create_queue(sqs)
    iam, lambda_client = admin_client(endpoint, "iam"), admin_client(endpoint, "lambda")
    role = iam.create_role(RoleName=f"fn-{queues.main.name}", AssumeRolePolicyDocument="{}")["Role"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.py", "def handler(event, context):\n    return None\n")
    lambda_client.create_function(
        FunctionName=f"fn-{queues.main.name}",
        Runtime="python3.12",
        Role=role["Arn"],
        Handler="index.handler",
        Code={"ZipFile": archive.getvalue()},
    )
    created = lambda_client.create_event_source_mapping(
        EventSourceArn=queues.main.arn, FunctionName=f"fn-{queues.main.name}", BatchSize=10
    )
    make_runtime([worker(record_file)], [mapping("worker", queues.main)])
    state = lambda_client.get_event_source_mapping(UUID=created["UUID"])["State"]
    assert state == "Disabled"
    (message_id,) = send(sqs, queues.main, {"do": "ok"})
    wait_for(lambda: len(seen(read_records(record_file), message_id)) == 1)
    assert seen(read_records(record_file), message_id) == [1]  # nobody else received it


def test_pollers_survive_sqs_errors_and_carry_on(
    make_runtime: RuntimeFactory, sqs: Any, record_file: Path
) -> None:
    queues = create_queue(sqs, visibility=5)
    runtime = make_runtime([worker(record_file)], [mapping("worker", queues.main)])
    sqs.delete_queue(QueueUrl=queues.main.url)  # every receive now fails
    wait_for(lambda: len(runtime.event_log.recent("receive_failed")) >= 2)
    recreated = sqs.create_queue(QueueName=queues.main.name, Attributes={"VisibilityTimeout": "5"})
    assert recreated["QueueUrl"] == queues.main.url
    (message_id,) = send(sqs, queues.main, {"do": "ok"})
    wait_for(lambda: seen(read_records(record_file), message_id) == [1])
    failures = runtime.event_log.recent("receive_failed")
    assert {f["error"] for f in failures} == {"AWS.SimpleQueueService.NonExistentQueue"}
