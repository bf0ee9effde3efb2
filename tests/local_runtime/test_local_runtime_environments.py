"""Execution environments: isolation, credentials, cold starts, errors, timeouts, crashes,
memory, concurrency and recycling, through `LocalRuntime.invoke`."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pcizone.local.emulator import EmulatorEndpoint
from pcizone.local.runtime import (
    FunctionSpec,
    FunctionThrottled,
    HttpRouteSpec,
    InvalidInvocation,
    LocalRuntime,
    RuntimeConfigError,
    RuntimeTuning,
)

from .conftest import ACCOUNT, FAST, RuntimeFactory, admin_client, create_queue, function, mapping

MEMBER_ACCOUNT = "210987654321"
LAMBDA_SET = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "_HANDLER",
    "LAMBDA_TASK_ROOT",
    "TZ",
    "LANG",
    "PATH",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
}


def payload(response: dict[str, Any]) -> Any:
    assert "FunctionError" not in response, response["Payload"]
    return response["Payload"]


def test_an_environment_sees_exactly_its_functions_variables_and_role(
    make_runtime: RuntimeFactory, endpoint: EmulatorEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PCIZONE_PARENT_ONLY", "must-not-leak")
    runtime = make_runtime(
        [function("echo", "echo", env={"PAYMENTS_ENV": "local"}, account=MEMBER_ACCOUNT)]
    )
    answer = payload(runtime.invoke("echo", {"n": 1}))
    environ = answer["environ"]
    assert set(environ) == LAMBDA_SET | {"PAYMENTS_ENV"}
    assert environ["PAYMENTS_ENV"] == "local"
    assert environ["AWS_ENDPOINT_URL"] == endpoint.url
    assert environ["AWS_REGION"] == environ["AWS_DEFAULT_REGION"] == endpoint.region
    assert environ["_HANDLER"] == "localrt_handlers.echo"
    assert environ["AWS_ACCESS_KEY_ID"] != endpoint.access_key_id
    identity = _caller_identity(endpoint, environ)
    assert identity["Account"] == MEMBER_ACCOUNT
    assert identity["Arn"] == f"arn:aws:sts::{MEMBER_ACCOUNT}:assumed-role/echo-role/echo"
    assert answer["function_name"] == "echo"
    assert answer["memory_limit_in_mb"] == "256"
    assert (
        answer["invoked_function_arn"] == f"arn:aws:lambda:eu-west-1:{MEMBER_ACCOUNT}:function:echo"
    )
    assert 4000 < answer["remaining_ms"] <= 5000
    assert answer["event"] == {"n": 1}


def _caller_identity(endpoint: EmulatorEndpoint, environ: dict[str, str]) -> dict[str, Any]:
    import boto3

    client = boto3.session.Session().client(
        "sts",
        region_name=endpoint.region,
        endpoint_url=endpoint.url,
        aws_access_key_id=environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=environ["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=environ["AWS_SESSION_TOKEN"],
    )
    return dict(client.get_caller_identity())


def test_a_function_reaches_the_emulator_in_its_own_account(
    make_runtime: RuntimeFactory, endpoint: EmulatorEndpoint
) -> None:
    runtime = make_runtime([function("sender", "sqs_send", account=MEMBER_ACCOUNT)])
    member_sqs = _member_client(runtime, "sender", "sqs")
    queue_url = member_sqs.create_queue(QueueName="member-queue")["QueueUrl"]
    message_id = payload(runtime.invoke("sender", {"queue_url": queue_url}))
    received = member_sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)["Messages"]
    assert [(m["MessageId"], m["Body"]) for m in received] == [(message_id, "from-function")]
    management = admin_client(endpoint, "sqs").list_queues().get("QueueUrls", [])
    assert not [url for url in management if url.endswith("/member-queue")]


def _member_client(runtime: LocalRuntime, function_name: str, service: str) -> Any:
    return runtime.role(function_name).client(service)


def test_the_handler_is_imported_once_and_the_environment_reused(
    make_runtime: RuntimeFactory, tmp_path: Path
) -> None:
    runtime = make_runtime([function("echo", "echo")])
    first, second = (payload(runtime.invoke("echo", {"n": n})) for n in (1, 2))
    assert first["pid"] == second["pid"]
    assert first["loaded_at"] == second["loaded_at"]
    assert first["request_id"] != second["request_id"]
    log = (tmp_path / "logs" / "echo.log").read_text().splitlines()
    assert f"echo invoked: {first['request_id']}" in log
    assert f"START RequestId: {second['request_id']} Version: $LATEST" in log
    reports = [line for line in log if line.startswith("REPORT")]
    assert len(reports) == 2
    assert "Init Duration" in reports[0] and "Init Duration" not in reports[1]


def test_a_handler_error_is_reported_and_the_environment_kept(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime([function("fail", "fail"), function("echo", "echo")])
    failed = runtime.invoke("fail", {})
    assert failed["FunctionError"] == "Unhandled"
    assert failed["Payload"]["errorType"] == "ValueError"
    assert failed["Payload"]["errorMessage"] == "handler failed on purpose"
    assert failed["Payload"]["stackTrace"]
    again = runtime.invoke("fail", {})
    pids = {e.pid for e in runtime.environments() if e.function_name == "fail"}
    assert len(pids) == 1 and again["FunctionError"] == "Unhandled"


def test_a_crash_is_an_error_and_the_next_invocation_gets_a_new_environment(
    make_runtime: RuntimeFactory, tmp_path: Path
) -> None:
    runtime = make_runtime([function("crash", "crash"), function("echo", "echo")])
    crashed = runtime.invoke("crash", {})
    assert crashed["FunctionError"] == "Unhandled"
    assert crashed["Payload"]["errorType"] == "Runtime.ExitError"
    assert "Runtime exited with error: exit status 7" in crashed["Payload"]["errorMessage"]
    assert runtime.environments() == []  # nothing left of the crashed one
    log = (tmp_path / "logs" / "crash.log").read_text()
    assert log.index("about to crash") < log.index("Runtime exited with error: exit status 7")


def test_a_timeout_kills_the_environment(make_runtime: RuntimeFactory, tmp_path: Path) -> None:
    runtime = make_runtime([function("slow", "slow", timeout=1)])
    started = time.monotonic()
    timed_out = runtime.invoke("slow", {"seconds": 5})
    assert 1.0 <= time.monotonic() - started < 3.0
    assert timed_out["Payload"]["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in timed_out["Payload"]["errorMessage"]
    assert runtime.environments() == []
    assert payload(runtime.invoke("slow", {"seconds": 0})) == "done"
    assert "Task timed out after 1.00 seconds" in (tmp_path / "logs" / "slow.log").read_text()


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        ("localrt_broken.handler", "ValueError", "configuration is missing"),
        (
            "localrt_handlers.missing",
            "Runtime.HandlerNotFound",
            "Handler 'missing' missing on module",
        ),
        (
            "no_such_module.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'no_such_module'",
        ),
    ],
)
def test_init_failures_are_reported_as_lambda_does(
    make_runtime: RuntimeFactory, handler: str, error_type: str, message: str
) -> None:
    runtime = make_runtime([function("broken", handler)])
    failed = runtime.invoke("broken", {})
    assert failed["FunctionError"] == "Unhandled"
    assert failed["Payload"]["errorType"] == error_type
    assert message in failed["Payload"]["errorMessage"]
    assert runtime.environments() == []


def test_an_answer_json_cannot_carry_is_a_marshal_error(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime([function("bad", "unserializable")])
    failed = runtime.invoke("bad", {})
    assert failed["Payload"]["errorType"] == "Runtime.MarshalError"
    assert "not JSON serializable" in failed["Payload"]["errorMessage"]


def test_oversized_answers_fail_and_long_log_lines_are_split(
    make_runtime: RuntimeFactory, tmp_path: Path
) -> None:
    runtime = make_runtime([function("big", "big_answer")])
    assert len(payload(runtime.invoke("big", {"log_bytes": 10, "answer_bytes": 1000}))) == 1000
    failed = runtime.invoke("big", {"log_bytes": 600_000, "answer_bytes": 7 * 1024 * 1024})
    assert failed["Payload"]["errorType"] == "Function.ResponseSizeTooLarge"
    lines = (tmp_path / "logs" / "big.log").read_text().splitlines()
    long_lines = [len(line) for line in lines if line.startswith("y")]
    assert long_lines == [10, 262144, 262144, 75712]  # 600,000 bytes in 256 KiB pieces


def test_memory_over_the_limit_kills_the_environment(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime([function("alloc", "allocate", memory=128)])
    assert payload(runtime.invoke("alloc", {"megabytes": 8})) == 8 * 1024 * 1024
    failed = runtime.invoke("alloc", {"megabytes": 160})
    assert failed["Payload"]["errorType"] == "Runtime.OutOfMemory"
    assert runtime.environments() == []


def test_reserved_concurrency_caps_environments_and_throttles(
    make_runtime: RuntimeFactory,
) -> None:
    tuning = RuntimeTuning(acquire_timeout_seconds=0.3)
    runtime = make_runtime([function("slow", "slow", reserved=1)], tuning=tuning)
    results: list[Any] = []

    def call() -> None:
        try:
            results.append(payload(runtime.invoke("slow", {"seconds": 1.0})))
        except FunctionThrottled as exc:
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["FunctionThrottled", "done"]
    assert len(runtime.environments()) == 1
    throttled = make_runtime([function("off", "echo", reserved=0)])
    with pytest.raises(FunctionThrottled, match="off"):
        throttled.invoke("off", {})


def test_environments_are_recycled_before_their_credentials_expire(
    make_runtime: RuntimeFactory,
) -> None:
    tuning = RuntimeTuning(credential_duration_seconds=900, credential_refresh_margin_seconds=899)
    runtime = make_runtime([function("echo", "echo")], tuning=tuning)
    first = payload(runtime.invoke("echo", {}))
    time.sleep(1.1)  # the credentials now have less than the margin left
    second = payload(runtime.invoke("echo", {}))
    assert first["pid"] != second["pid"]
    assert first["environ"]["AWS_ACCESS_KEY_ID"] != second["environ"]["AWS_ACCESS_KEY_ID"]
    recycled = runtime.event_log.recent("environment_recycled")
    assert [e["pid"] for e in recycled] == [first["pid"]]


def test_an_environment_killed_while_idle_is_replaced(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime([function("echo", "echo")])
    first = payload(runtime.invoke("echo", {}))
    os.kill(first["pid"], 9)
    time.sleep(0.2)
    second = payload(runtime.invoke("echo", {}))
    assert second["pid"] != first["pid"]
    assert [e["reason"] for e in runtime.event_log.recent("environment_lost")] == [
        "exited while idle"
    ]


def test_stop_leaves_no_process_behind(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime([function("echo", "echo"), function("slow", "slow")])
    pids = [payload(runtime.invoke("echo", {}))["pid"]]
    thread = threading.Thread(target=runtime.invoke, args=("slow", {"seconds": 0.5}))
    thread.start()
    time.sleep(0.3)
    pids += [e.pid for e in runtime.environments()]
    runtime.stop(drain=True)
    thread.join()
    assert len(set(pids)) == 2
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    ended = runtime.event_log.recent("environment_ended")
    assert {e["pid"] for e in ended} == set(pids)


def test_invalid_invocations_are_refused(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime([function("echo", "echo")])
    with pytest.raises(InvalidInvocation, match="no function named 'nope'"):
        runtime.invoke("nope", {})
    with pytest.raises(InvalidInvocation, match="not JSON-serializable"):
        runtime.invoke("echo", {"x": object()})
    with pytest.raises(InvalidInvocation, match="over 6 MB"):
        runtime.invoke("echo", {"x": "y" * (6 * 1024 * 1024 + 1)})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"env": {"AWS_REGION": "x"}}, "environment variable AWS_REGION is reserved"),
        ({"env": {"1BAD": "x"}}, "environment variable name '1BAD' is invalid"),
        ({"handler": "nomodule"}, "is not module.function"),
        ({"timeout_seconds": 0}, "timeout_seconds must be 1-900"),
        ({"memory_mb": 64}, "memory_mb must be 128-10240"),
        ({"role_arn": "arn:aws:iam::1:user/x"}, "is not an IAM role ARN"),
        ({"reserved_concurrency": -1}, "reserved_concurrency must be 0 or more"),
    ],
)
def test_function_specs_are_checked(kwargs: dict[str, Any], message: str) -> None:
    fields: dict[str, Any] = {
        "name": "fn",
        "handler": "m.h",
        "env": {},
        "role_arn": f"arn:aws:iam::{ACCOUNT}:role/r",
        "timeout_seconds": 3,
        "memory_mb": 128,
        "reserved_concurrency": None,
    }
    with pytest.raises(RuntimeConfigError, match=message):
        FunctionSpec(**{**fields, **kwargs})


def test_references_between_specs_are_checked(endpoint: EmulatorEndpoint, tmp_path: Path) -> None:
    fn = function("echo", "echo")
    queue = create_queue(admin_client(endpoint, "sqs")).main
    cases: list[tuple[Any, str]] = [
        (([fn, fn], [], []), "function 'echo' is defined more than once"),
        (([fn], [mapping("other", queue)], []), "no function named 'other'"),
        (([fn], [], [HttpRouteSpec("GET /x", "other")]), "route 'GET /x': no function named"),
        (
            ([fn], [], [HttpRouteSpec("GET /x", "echo")] * 2),
            "route 'GET /x' is defined more than once",
        ),
    ]
    for (functions, sources, routes), message in cases:
        with pytest.raises(RuntimeConfigError, match=message):
            LocalRuntime(endpoint, functions, sources, routes, tmp_path, tuning=FAST)
