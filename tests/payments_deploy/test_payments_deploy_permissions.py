"""Each function's role allows exactly the (action, resource) pairs that function uses."""

from __future__ import annotations

import pytest
from data_plane_runs import allow_pairs, document, of_type, one, outputs, run
from pcizone.offline.model import RecordedRun
from pcizone.payments_deploy.permissions import TRACE_ACTIONS, UNSCOPED_ACTIONS, VPC_ACTIONS

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SERVICE_STACKS = ("dev-alice", "dev-bob", "staging", "prod")
FUNCTIONS = ("api", "worker", "dlq-auditor", "outbox-relay", "migrator")


def _stage_of(stack: str) -> str:
    return "dev" if stack.startswith("dev-") else stack


def _arn(recorded: RecordedRun, type_: str, name: str) -> str:
    return str(one(recorded.resources, type_, name).outputs["arn"])


def expected_pairs(stack: str, function: str) -> set[tuple[str, str]]:
    """What the function needs, written out from the recorded resources and stage outputs."""
    recorded, stage, own = run(stack), outputs(_stage_of(stack)), outputs(stack)
    region, account = stage["region"], stage["accountId"]
    keys = stage["keyArns"]
    group = _arn(recorded, "aws:cloudwatch/logGroup:LogGroup", f"payments-{function}-logs")
    queue = _arn(recorded, "aws:sqs/queue:Queue", "payments-queues-queue")
    dlq = _arn(recorded, "aws:sqs/queue:Queue", "payments-queues-dlq")
    proxy_user = f"arn:aws:rds-db:{region}:{account}:dbuser:{stage['proxyResourceId']}/"
    pairs = {("logs:CreateLogStream", f"{group}:*"), ("logs:PutLogEvents", f"{group}:*")}
    pairs |= {(action, "*") for action in TRACE_ACTIONS + VPC_ACTIONS}
    if function in ("api", "outbox-relay", "migrator"):  # failed async invocations
        pairs |= {
            ("sqs:SendMessage", dlq),
            ("kms:GenerateDataKey", keys["queues"]),
            ("kms:Decrypt", keys["queues"]),
        }
    if function == "migrator":
        return pairs | {("rds-db:connect", proxy_user + stage["masterUsername"])}
    pairs.add(("rds-db:connect", proxy_user + own["databaseUser"]))
    if function in ("api", "outbox-relay"):
        pairs.add(("sqs:SendMessage", queue))
    if function in ("worker", "dlq-auditor"):
        source = queue if function == "worker" else dlq
        pairs |= {
            ("sqs:ReceiveMessage", source),
            ("sqs:DeleteMessage", source),
            ("sqs:GetQueueAttributes", source),
            ("kms:Decrypt", keys["queues"]),
        }
    secrets = of_type(recorded.resources, "aws:secretsmanager/secret:Secret")
    if function == "worker" and secrets:
        (secret,) = secrets
        pairs |= {
            ("secretsmanager:GetSecretValue", secret.outputs["arn"]),
            ("kms:Decrypt", keys["secrets"]),
        }
    return pairs


@pytest.mark.parametrize("stack", SERVICE_STACKS)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_policy_is_exactly_what_the_function_uses(stack: str, function: str) -> None:
    policy = one(run(stack).resources, ROLE_POLICY, f"payments-{function}-policy")
    assert allow_pairs(document(policy.inputs["policy"])) == expected_pairs(stack, function)


@pytest.mark.parametrize("stack", SERVICE_STACKS)
def test_no_wildcard_action_and_star_resources_only_where_aws_requires(stack: str) -> None:
    for function in FUNCTIONS:
        policy = one(run(stack).resources, ROLE_POLICY, f"payments-{function}-policy")
        for action, resource in allow_pairs(document(policy.inputs["policy"])):
            assert "*" not in action, (function, action)
            if resource == "*":
                assert action in UNSCOPED_ACTIONS, (function, action)


def test_only_the_worker_reads_the_processor_key_and_only_with_stripe() -> None:
    for stack in ("dev-bob", "staging", "prod"):  # stripe
        readers = [
            function
            for function in FUNCTIONS
            if any(
                action == "secretsmanager:GetSecretValue"
                for action, _ in allow_pairs(
                    document(
                        one(
                            run(stack).resources, ROLE_POLICY, f"payments-{function}-policy"
                        ).inputs["policy"]
                    )
                )
            )
        ]
        assert readers == ["worker"]
    assert not of_type(run("dev-alice").resources, "aws:secretsmanager/secret:Secret")


def test_secrets_key_decrypt_is_only_through_secrets_manager() -> None:
    policy = document(
        one(run("dev-bob").resources, ROLE_POLICY, "payments-worker-policy").inputs["policy"]
    )
    (statement,) = [s for s in policy["Statement"] if s["Sid"] == "DecryptProcessorKey"]
    assert statement["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}
    }


@pytest.mark.parametrize("stack", SERVICE_STACKS)
def test_each_function_has_its_own_workload_role(stack: str) -> None:
    recorded = run(stack)
    roles = {
        r.name: r
        for r in of_type(recorded.resources, "aws:iam/role:Role")
        if r.name.startswith("payments-")
    }
    assert sorted(roles) == sorted(f"payments-{f}-role" for f in FUNCTIONS)
    for function in FUNCTIONS:
        role = roles[f"payments-{function}-role"]
        trust = document(role.inputs["assumeRolePolicy"])["Statement"]
        assert [s["Principal"] for s in trust] == [{"Service": "lambda.amazonaws.com"}]
        assert role.inputs["tags"]["pcizone:principal-type"] == "workload"
        fn = one(
            recorded.resources, "aws:lambda/function:Function", f"payments-{function}-function"
        )
        assert fn.inputs["role"] == role.outputs["arn"]
    assert outputs(stack)["roleArns"]["api"] == roles["payments-api-role"].outputs["arn"]
