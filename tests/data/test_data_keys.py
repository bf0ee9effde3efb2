"""KMS keys per data class: rotation, deletion window, and key policies that grant use narrowly."""

from __future__ import annotations

import pytest
from data_plane_runs import STAGE_STACKS, document, of_type, outputs, owned, provider_region, run
from pcizone.core.naming import TAG_DATA_CLASSIFICATION
from pcizone.data.key_policy import ADMIN_ACTIONS, KEY_SPECS, USE_ACTIONS, KeyClass
from pcizone.offline.model import RecordedResource

KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
CLASSIFICATION = {
    "cardholderData": "cardholder-data",
    "logs": "logs",
    "queues": "cardholder-data",
    "secrets": "secrets",
}


def _keys(stack: str, region: str = "eu-west-1") -> dict[str, RecordedResource]:
    recorded = run(stack)
    arns = {arn: name for name, arn in outputs(stack)["keyArns"].items()}
    keys = [k for k in of_type(owned(recorded), KEY) if provider_region(recorded, k) == region]
    return {arns.get(k.outputs["arn"], k.name): k for k in keys}


@pytest.mark.parametrize("stack", STAGE_STACKS)
def test_one_rotating_key_per_data_class(stack: str) -> None:
    keys = _keys(stack)
    assert set(keys) == {"cardholderData", "logs", "queues", "secrets"}
    for name, key in keys.items():
        assert key.inputs["enableKeyRotation"] is True
        assert key.inputs["rotationPeriodInDays"] == 365
        assert key.inputs["deletionWindowInDays"] == 30
        assert key.inputs["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
        assert key.inputs["tags"][TAG_DATA_CLASSIFICATION] == CLASSIFICATION[name]
    recorded = run(stack)
    aliases = sorted(
        a.inputs["name"]
        for a in of_type(owned(recorded), ALIAS)
        if provider_region(recorded, a) == "eu-west-1"
    )
    expected = ["cardholder-data", "logs", "queues", "secrets"]
    assert aliases == [f"alias/pcz-{stack}-{e}" for e in expected]


@pytest.mark.parametrize("stack", STAGE_STACKS)
def test_key_policies_separate_administration_from_use(stack: str) -> None:
    account = outputs(stack)["accountId"]
    root = f"arn:aws:iam::{account}:root"
    for name, key in _keys(stack).items():
        spec = KEY_SPECS[KeyClass(name)]
        statements = {s["Sid"]: s for s in document(key.inputs["policy"])["Statement"]}
        admin = statements["AccountAdministersKey"]
        assert admin["Principal"] == {"AWS": root}
        assert admin["Action"] == list(ADMIN_ACTIONS)
        assert not {"kms:Decrypt", "kms:Encrypt", "kms:CreateGrant", "kms:*"} & set(admin["Action"])
        via = sorted(f"{s}.eu-west-1.amazonaws.com" for s in spec.via_services)
        workloads = statements["WorkloadsUseThroughDataServices"]
        assert workloads["Action"] == list(USE_ACTIONS)
        assert workloads["Condition"] == {
            "StringEquals": {
                "kms:CallerAccount": account,
                "kms:ViaService": via,
                "aws:PrincipalTag/pcizone:principal-type": "workload",
            },
            "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{account}:role/pcz-*"},
        }
        deployer = statements["DeployerUseThroughDataServices"]
        assert deployer["Condition"] == {
            "StringEquals": {"kms:CallerAccount": account, "kms:ViaService": via},
            "ArnEquals": {
                "aws:PrincipalArn": f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
            },
        }
        for sid in ("WorkloadsGrantToDataServices", "DeployerGrantToDataServices"):
            assert statements[sid]["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
        deny = statements["DenyDecryptToHumans"]
        assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "kms:Decrypt")
        # Nothing is allowed without a condition except administration.
        unconditioned = [
            s["Sid"] for s in statements.values() if s["Effect"] == "Allow" and "Condition" not in s
        ]
        assert unconditioned == ["AccountAdministersKey"]


def test_service_principals_are_pinned_to_the_account_or_group() -> None:
    keys = _keys("dev")
    logs = {s["Sid"]: s for s in document(keys["logs"].inputs["policy"])["Statement"]}
    group = logs["CloudWatchLogsEncryptsGroups"]
    assert group["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    account = outputs("dev")["accountId"]
    assert group["Condition"] == {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:eu-west-1:{account}:log-group:*"
        }
    }
    queues = {s["Sid"]: s for s in document(keys["queues"].inputs["policy"])["Statement"]}
    alarms = queues["CloudWatchAlarmsPublish"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert alarms["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
    for name in ("cardholderData", "secrets"):
        sids = [s["Sid"] for s in document(keys[name].inputs["policy"])["Statement"]]
        assert not [sid for sid in sids if sid.startswith("CloudWatch")]


def test_prod_has_its_own_keys_in_the_dr_region() -> None:
    dr = _keys("prod", "eu-central-1")
    assert len(dr) == 3
    policies = [document(k.inputs["policy"]) for k in dr.values()]
    for policy in policies:
        vias = [
            s["Condition"]["StringEquals"]["kms:ViaService"]
            for s in policy["Statement"]
            if s["Sid"] == "WorkloadsUseThroughDataServices"
        ]
        assert vias and all(v.endswith(".eu-central-1.amazonaws.com") for v in vias[0])
    assert outputs("prod")["secondaryKeyArn"] in {k.outputs["arn"] for k in dr.values()}
