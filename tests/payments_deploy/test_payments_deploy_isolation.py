"""Developer stacks share only the dev stage's resources and never collide on a name."""

from __future__ import annotations

from data_plane_runs import DEVELOPER_STACKS, outputs, run
from pcizone.offline.model import RecordedRun
from pcizone.offline.urns import STACK_REFERENCE_TYPE

PREFIX = {"dev-alice": "pcz-u-alice", "dev-bob": "pcz-u-bob"}
NAME_KEYS = ("name", "layerName")
# Names unique only inside their parent resource, which is itself uniquely named.
SCOPED = {
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter",  # per log group
    "aws:apigatewayv2/stage:Stage",  # "$default", per API
}
ACCOUNT_LEVEL = (
    "aws:ec2/",
    "aws:kms/",
    "aws:rds/",
    "aws:backup/",
    "aws:kinesis/",
    "aws:organizations/",
    "aws:guardduty/",
    "aws:cfg/",
    "aws:securityhub/",
    "aws:sns/",
)


def physical_names(recorded: RecordedRun) -> dict[str, str]:
    names = {}
    for resource in recorded.resources:
        if not resource.custom or resource.type in SCOPED or resource.type.startswith("pulumi:"):
            continue
        for key in NAME_KEYS:
            value = resource.inputs.get(key)
            if isinstance(value, str):
                names[value] = resource.urn
    return names


def test_every_physical_name_carries_the_stack_prefix() -> None:
    for stack in DEVELOPER_STACKS:
        prefix = PREFIX[stack]
        names = physical_names(run(stack))
        fifo = ".fifo" if stack == "dev-bob" else ""
        assert {
            f"{prefix}-api",
            f"{prefix}-worker",
            f"{prefix}-payments{fifo}",
            f"{prefix}-payments-dlq{fifo}",
            f"{prefix}-payments-api",
            f"{prefix}-payments-deps",
            f"/aws/lambda/{prefix}-worker",
        } <= set(names)
        for name in names:
            bare = name.removeprefix("/aws/lambda/").removeprefix("/aws/apigateway/")
            assert bare.startswith(prefix + "-") or bare.startswith(prefix + "/"), name


def test_alice_and_bob_share_no_name_and_no_urn() -> None:
    alice, bob = run("dev-alice"), run("dev-bob")
    assert not set(physical_names(alice)) & set(physical_names(bob))
    assert not {r.urn for r in alice.resources} & {r.urn for r in bob.resources}
    assert outputs("dev-alice")["databaseName"] != outputs("dev-bob")["databaseName"]
    assert outputs("dev-alice")["databaseUser"] != outputs("dev-bob")["databaseUser"]
    # What they do share: the dev stage's network, keys, proxy and topic (read, never created).
    for stack in DEVELOPER_STACKS:
        fn = next(r for r in run(stack).resources if r.name == "payments-worker-function")
        assert fn.inputs["vpcConfig"]["subnetIds"] == outputs("dev")["privateSubnetIds"]


def test_developer_stacks_create_nothing_account_level() -> None:
    for stack in DEVELOPER_STACKS:
        recorded = run(stack)
        types = {r.type for r in recorded.resources if r.custom}
        assert not [t for t in types if t.startswith(ACCOUNT_LEVEL)], stack
        providers = [r for r in recorded.resources if r.type == "pulumi:providers:aws"]
        assert len(providers) == 1  # the dev account, explicitly; never a default provider
        assert providers[0].inputs["region"] == outputs("dev")["region"]
        references = {
            r.inputs.get("name") for r in recorded.resources if r.type == STACK_REFERENCE_TYPE
        }
        assert references <= {"organization/pcizone/dev", None}
