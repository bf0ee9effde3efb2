"""The recorder sees what the engine would: URNs, parents, providers, camelCase, secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pcizone.offline.model import UNKNOWN, RecordedRun, Secret
from pcizone.offline.plan_io import dumps
from pcizone.offline.runner import run_program

PROGRAM = Path(__file__).with_name("fixture_program.py")
S = "urn:pulumi:test::pcizone::"
AWS_DEFAULT = S + "pulumi:providers:aws::default_7_51_1"


def _run() -> RecordedRun:
    return run_program(
        PROGRAM,
        stack="test",
        config={"pcizone:greeting": "hello", "pcizone:password": "hunter2-secret"},
        secret_keys=["pcizone:password"],
    )


@pytest.fixture(scope="module")
def run() -> RecordedRun:
    return _run()


def test_urns_follow_the_engine_rule(run: RecordedRun) -> None:
    assert [r.urn for r in run.resources] == sorted(
        [
            S + "fixture:storage:Vault$aws:kms/key:Key::vault-key",
            S + "fixture:storage:Vault$aws:s3/bucket:Bucket::vault-bucket",
            S + "fixture:storage:Vault$aws:s3/bucketServerSideEncryptionConfiguration:"
            "BucketServerSideEncryptionConfiguration::vault-sse",
            S + "fixture:storage:Vault::vault",
            S + "aws:secretsmanager/secret:Secret::token",
            S + "aws:secretsmanager/secretVersion:SecretVersion::token-v1",
            S + "pulumi:providers:aws::acct",
            AWS_DEFAULT,
            S + "pulumi:pulumi:Stack::pcizone-test",
        ]
    )


def test_parents_and_providers(run: RecordedRun) -> None:
    by = run.by_urn()
    key = by[S + "fixture:storage:Vault$aws:kms/key:Key::vault-key"]
    assert key.parent == S + "fixture:storage:Vault::vault"
    assert key.provider == S + "pulumi:providers:aws::acct"  # inherited from the component
    vault = by[S + "fixture:storage:Vault::vault"]
    assert vault.parent == S + "pulumi:pulumi:Stack::pcizone-test"
    assert vault.custom is False and vault.provider is None
    token = by[S + "aws:secretsmanager/secret:Secret::token"]
    assert token.provider == AWS_DEFAULT  # the engine's default provider, named by version
    assert by[AWS_DEFAULT].inputs == {"version": "7.51.1"}


def test_inputs_are_camel_case_wire_properties(run: RecordedRun) -> None:
    by = run.by_urn()
    key = by[S + "fixture:storage:Vault$aws:kms/key:Key::vault-key"]
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30.0  # numbers arrive as floats
    assert "enable_key_rotation" not in key.inputs
    sse = run.named("vault-sse")
    rule = sse.inputs["rules"][0]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert rule["bucketKeyEnabled"] is True
    # the key ARN flowed in from the key's (fake, deterministic) computed ARN, in its account
    assert rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"].startswith(
        "arn:aws:kms:eu-west-1:222222222222:key/"
    )
    assert sse.inputs["bucket"] == "fixture-vault"
    provider = by[S + "pulumi:providers:aws::acct"]
    assert json.loads(provider.inputs["allowedAccountIds"]) == ["222222222222"]


def test_dependencies_and_property_dependencies(run: RecordedRun) -> None:
    sse = run.named("vault-sse")
    key_urn = S + "fixture:storage:Vault$aws:kms/key:Key::vault-key"
    bucket_urn = S + "fixture:storage:Vault$aws:s3/bucket:Bucket::vault-bucket"
    assert set(sse.dependencies) == {key_urn, bucket_urn}
    assert sse.property_dependencies["bucket"] == (bucket_urn,)
    assert sse.property_dependencies["rules"] == (key_urn,)


def test_secrets_are_marked_and_never_printed(run: RecordedRun) -> None:
    version = run.named("token-v1")
    assert isinstance(version.inputs["secretString"], Secret)
    assert version.inputs["secretString"].value == "s3cr3t-value"
    assert isinstance(run.outputs["password"], Secret)
    assert run.outputs["greeting"] == "hello"
    assert run.outputs["bucket"] == "fixture-vault"
    text = dumps(run.to_plan())
    assert "s3cr3t-value" not in text and "hunter2" not in text
    plan = run.to_plan()
    assert plan["outputs"]["password"] == "[secret]"
    entry = next(r for r in plan["resources"] if r["name"] == "token-v1")
    assert entry["inputs"]["secretString"] == "[secret]"
    assert "s3cr3t" not in repr(version)


def test_plan_contract_keys(run: RecordedRun) -> None:
    plan = run.to_plan()
    assert {"stack", "kind", "resources", "outputs"} <= plan.keys()
    for resource in plan["resources"]:
        assert {"urn", "type", "name", "parent", "provider", "dependencies", "inputs"} <= set(
            resource
        )


def test_two_runs_in_one_process_give_identical_plans(run: RecordedRun) -> None:
    again = _run()
    assert dumps(again.to_plan()) == dumps(run.to_plan())


def test_unknown_sentinel_is_a_singleton() -> None:
    assert type(UNKNOWN)() is UNKNOWN
    assert repr(UNKNOWN) == "UNKNOWN"
