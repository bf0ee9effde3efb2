"""The IAM grammar checker, and every policy document the org stack declares passing it."""

from __future__ import annotations

from typing import Any

import pytest
from pcizone.landing_zone.iam_grammar import DocumentKind, problems

# Where each JSON-typed policy input lives, and which grammar it follows.
DOCUMENT_INPUTS = {
    ("aws:kms/key:Key", "policy"): DocumentKind.KEY,
    ("aws:s3/bucketPolicy:BucketPolicy", "policy"): DocumentKind.BUCKET,
    ("aws:iam/role:Role", "assumeRolePolicy"): DocumentKind.TRUST,
    ("aws:iam/rolePolicy:RolePolicy", "policy"): DocumentKind.IDENTITY,
    ("aws:sns/topicPolicy:TopicPolicy", "policy"): DocumentKind.TOPIC,
    ("aws:organizations/policy:Policy", "content"): DocumentKind.SCP,
}


def test_every_policy_document_of_the_org_stack_is_valid(org: Any) -> None:
    checked = 0
    for (type_, prop), kind in DOCUMENT_INPUTS.items():
        for resource in org.all(type_):
            assert problems(resource.inputs[prop], kind) == [], resource.name
            checked += 1
    assert checked == 2 + 2 + 12 + 12 + 1 + 11


VALID_IDENTITY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def _with(**statement: Any) -> dict[str, Any]:
    base = dict(VALID_IDENTITY["Statement"][0])  # type: ignore[index]
    base.update(statement)
    return {
        "Version": "2012-10-17",
        "Statement": [{k: v for k, v in base.items() if v is not None}],
    }


# One change to the valid identity statement (Sid "Read"), and the one problem it must raise.
STATEMENT_PROBLEMS = {
    "bad-effect": ({"Effect": "Permit"}, "Effect must be Allow or Deny, got 'Permit'"),
    "action-and-not-action": (
        {"NotAction": ["s3:PutObject"]},
        "needs exactly one of Action or NotAction",
    ),
    "action-without-service": (
        {"Action": "GetObject"},
        "Action: 'GetObject' is not service:Action",
    ),
    "resource-not-arn": ({"Resource": "my-bucket"}, "Resource: 'my-bucket' is not an ARN or '*'"),
    "principal-in-identity-policy": (
        {"Principal": "*"},
        "Principal is not allowed in an identity policy",
    ),
    "unknown-operator": (
        {"Condition": {"StringEqualz": {"aws:SourceAccount": "111111111111"}}},
        "Condition: unknown operator 'StringEqualz'",
    ),
    "boolean-not-string": (
        {"Condition": {"Bool": {"aws:SecureTransport": False}}},
        "Condition.Bool.aws:SecureTransport values must be strings",
    ),
}


@pytest.mark.parametrize(
    ("change", "problem"), list(STATEMENT_PROBLEMS.values()), ids=list(STATEMENT_PROBLEMS)
)
def test_one_statement_change_raises_its_problem(change: dict[str, Any], problem: str) -> None:
    assert problems(_with(**change), DocumentKind.IDENTITY) == [f"statement Read: {problem}"]


@pytest.mark.parametrize(
    ("doc", "kind", "expected"),
    [
        pytest.param(VALID_IDENTITY, DocumentKind.IDENTITY, [], id="valid"),
        pytest.param("{not json", DocumentKind.IDENTITY, ["not JSON (line 1)"], id="not-json"),
        pytest.param(
            {**VALID_IDENTITY, "Version": "2008-10-17"},
            DocumentKind.IDENTITY,
            ["Version must be '2012-10-17', got '2008-10-17'"],
            id="old-version",
        ),
        pytest.param(
            {"Version": "2012-10-17", "Statement": []},
            DocumentKind.IDENTITY,
            ["Statement must be a non-empty list"],
            id="no-statements",
        ),
        pytest.param(
            VALID_IDENTITY,
            DocumentKind.BUCKET,
            ["statement Read: Principal is required in a resource or trust policy"],
            id="bucket-policy-without-principal",
        ),
        pytest.param(
            _with(Principal={"Service": "cloudtrail"}),
            DocumentKind.KEY,
            ["statement Read: Principal.Service 'cloudtrail' is not a service principal"],
            id="bad-service-principal",
        ),
        pytest.param(
            _with(Principal={"AWS": "arn:aws:iam::12345:root"}),
            DocumentKind.KEY,
            [
                "statement Read: Principal.AWS 'arn:aws:iam::12345:root' is not '*', an account"
                " or an IAM ARN"
            ],
            id="bad-account",
        ),
        pytest.param(
            _with(Condition={"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*"]}}),
            DocumentKind.IDENTITY,
            [],
            id="set-operator-with-if-exists",
        ),
        pytest.param(
            _with(Sid="read-objects"),
            DocumentKind.SCP,
            ["statement read-objects: Sid must be letters and digits only, got 'read-objects'"],
            id="sid-with-dash",
        ),
        pytest.param(
            {"Version": "2012-10-17", "Statement": [_with()["Statement"][0]] * 2},
            DocumentKind.IDENTITY,
            ["statement Read: Sid is used twice"],
            id="duplicate-sid",
        ),
    ],
)
def test_grammar_problems(doc: Any, kind: DocumentKind, expected: list[str]) -> None:
    assert problems(doc, kind) == expected


def test_trust_policies_have_no_resource_and_sizes_follow_each_quota() -> None:
    trust = _with(Principal={"Service": "lambda.amazonaws.com"}, Action="sts:AssumeRole")
    assert problems(trust, DocumentKind.TRUST) == [
        "statement Read: a trust policy statement has no Resource"
    ]
    actions = [f"s3:Get{'x' * 20}{i}" for i in range(200)]
    big = _with(Action=actions)
    assert problems(big, DocumentKind.IDENTITY) == []
    (too_big,) = problems(big, DocumentKind.SCP)
    assert too_big.endswith("above the scp quota of 5120")
