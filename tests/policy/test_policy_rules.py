"""Rule behaviour the corpus programs cannot easily reach, on hand-built recorded runs.

Each run goes through evaluate_run, i.e. the engine's analyzer path.
"""

from __future__ import annotations

import json

from google.protobuf import json_format, struct_pb2
from pcizone.offline.model import UNKNOWN, Secret
from pcizone.policy import aws_types as t
from pcizone.policy.analyzer import engine_properties
from pcizone.policy.documents import action_matches, parse_statements
from pcizone.policy.evaluate import evaluate_run
from pcizone.policy.report import build_report
from pulumi.runtime import rpc

TLS_DENY = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def _doc(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_action_matching_follows_iam_wildcards():
    assert action_matches("kms:Decrypt*", "kms:Decrypt")
    assert action_matches("KMS:*", "kms:decrypt")
    assert action_matches("*", "kms:Decrypt")
    assert not action_matches("kms:Encrypt", "kms:Decrypt")
    assert not action_matches("kms:De?rypt", "kms:Describe")


def test_a_single_statement_object_is_a_statement_list():
    [st] = parse_statements(
        json.dumps({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}),
        "p",
    )
    assert st.allows and st.actions == ("s3:GetObject",) and st.covers_all_resources()


def test_invalid_policy_json_is_a_violation_not_a_crash(make_run, spec, statuses):
    run = make_run(
        "dev-unit", [spec(t.IAM_ROLE_POLICY, "bad", {"role": "r", "policy": "{not json"})]
    )
    verdict = evaluate_run(run)
    [result] = verdict.for_policy("pci-iam-no-wildcard-action")
    assert result.status.value == "fail"
    assert result.message == "policy is not valid JSON (line 1)"


def test_missing_settings_are_violations(make_run, spec):
    run = make_run("prod", [spec(t.RDS_CLUSTER, "db", {"engine": "aurora-postgresql"})])
    verdict = evaluate_run(run)
    failed = {r.policy for r in verdict.results if r.status.value == "fail"}
    assert {
        "pci-aurora-storage-cmk",
        "pci-aurora-iam-auth",
        "pci-aurora-backup-retention",
        "pci-aurora-deletion-protection",
        "pci-aurora-log-exports",
        "pci-aurora-force-ssl",
        "pci-aurora-backup-plan",
    } <= failed


def test_backup_retention_depends_on_the_stage(make_run, spec, statuses):
    cluster = {"backupRetentionPeriod": 7}
    for stack, expected in (("dev", "pass"), ("staging", "pass"), ("prod", "fail")):
        verdict = evaluate_run(make_run(stack, [spec(t.RDS_CLUSTER, "db", dict(cluster))]))
        assert statuses(verdict, "pci-aurora-backup-retention") == {"db": expected}, stack


def test_an_unstated_stage_gets_prod_limits(make_run, spec, statuses):
    run = make_run("dev-unit", [spec(t.RDS_CLUSTER, "db", {"backupRetentionPeriod": 7})])
    # A bare program run (no kind, no stage): the strictest profile and prod's limits.
    bare = type(run)(run.stack, "", "", run.project, run.resources, {})
    verdict = evaluate_run(bare)
    assert statuses(verdict, "pci-aurora-backup-retention") == {"db": "fail"}
    assert statuses(verdict, "pci-aurora-deletion-protection") == {"db": "fail"}


def test_companions_found_by_literal_bucket_name(make_run, spec, statuses):
    run = make_run(
        "dev-unit",
        [
            spec(t.S3_BUCKET, "b", {"bucket": "pcz-logs"}),
            spec(t.S3_BUCKET_POLICY, "b-policy", {"bucket": "pcz-logs", "policy": _doc(TLS_DENY)}),
            spec(
                t.S3_BUCKET_POLICY,
                "other-policy",
                {"bucket": "pcz-other", "policy": _doc(TLS_DENY)},
            ),
        ],
    )
    assert statuses(evaluate_run(run), "pci-s3-tls-only") == {"b": "pass"}


def test_tls_statement_must_test_secure_transport_false(make_run, spec, statuses):
    allow_only = {**TLS_DENY, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    run = make_run(
        "dev-unit",
        [
            spec(t.S3_BUCKET, "b", {"bucket": "pcz-logs"}),
            spec(
                t.S3_BUCKET_POLICY, "b-policy", {"bucket": "pcz-logs", "policy": _doc(allow_only)}
            ),
        ],
    )
    assert statuses(evaluate_run(run), "pci-s3-tls-only") == {"b": "fail"}


def test_provider_default_tags_classify_resources(make_run, spec, statuses):
    default_tags = json.dumps({"tags": {"pcizone:data-classification": "logs"}})
    internal = {"pcizone:data-classification": "internal"}
    run = make_run(
        "dev-unit",
        [
            spec(t.AWS_PROVIDER, "account", {"region": "eu-west-1", "defaultTags": default_tags}),
            spec(t.S3_BUCKET, "logs-by-provider", {"bucket": "a"}, provider="account"),
            spec(
                t.S3_BUCKET, "own-tag-wins", {"bucket": "b", "tags": internal}, provider="account"
            ),
            spec(t.S3_BUCKET, "unclassified", {"bucket": "c"}),
        ],
    )
    # Log buckets must be versioned; an unclassified bucket is judged as if it held logs.
    assert statuses(evaluate_run(run), "pci-s3-versioning") == {
        "logs-by-provider": "fail",
        "unclassified": "fail",
    }


def test_egress_rules_and_private_ingress_are_fine(make_run, spec, statuses):
    run = make_run(
        "dev-unit",
        [
            spec(t.SECURITY_GROUP_RULE, "egress", {"type": "egress", "cidrBlocks": ["0.0.0.0/0"]}),
            spec(
                t.SECURITY_GROUP_RULE, "vpc-in", {"type": "ingress", "cidrBlocks": ["10.0.0.0/16"]}
            ),
            spec(
                t.SECURITY_GROUP_RULE,
                "open-in",
                {"type": "ingress", "cidrBlocks": ["0.0.0.0/0"], "fromPort": 0, "toPort": 65535},
            ),
        ],
    )
    verdict = evaluate_run(run)
    assert statuses(verdict, "pci-sg-no-public-ingress") == {
        "egress": "pass",
        "vpc-in": "pass",
        "open-in": "fail",
    }
    [open_in] = [
        r for r in verdict.for_policy("pci-sg-no-public-ingress") if r.status.value == "fail"
    ]
    assert open_in.message == "ingress on ports 0-65535 from 0.0.0.0/0"


def test_asymmetric_keys_are_not_rotated(make_run, spec, statuses):
    run = make_run(
        "dev-unit",
        [
            spec(
                t.KMS_KEY,
                "signing",
                {"customerMasterKeySpec": "ECC_NIST_P256", "deletionWindowInDays": 30},
            )
        ],
    )
    verdict = evaluate_run(run)
    assert statuses(verdict, "pci-kms-rotation") == {"signing": "not-applicable"}
    assert (
        verdict.for_policy("pci-kms-rotation")[0].message
        == "ECC_NIST_P256 keys cannot rotate automatically"
    )


def test_unknown_value_is_unknown_never_pass(make_run, spec, statuses):
    run = make_run(
        "dev-unit", [spec(t.LOG_GROUP, "lg", {"kmsKeyId": UNKNOWN, "retentionInDays": 400})]
    )
    verdict = evaluate_run(run)
    assert statuses(verdict, "pci-logs-kms") == {"lg": "unknown"}
    assert statuses(verdict, "pci-logs-retention") == {"lg": "pass"}
    assert verdict.mandatory_failures == []
    [unknown] = verdict.unknowns
    assert unknown.message == "string value at .kmsKeyId can't be known during preview"


def test_a_known_violation_beats_a_later_unknown(make_run, spec, statuses):
    # The Lambda VPC rule reports missing subnets before it reads the unknown security groups.
    run = make_run(
        "prod",
        [
            spec(
                t.LAMBDA_FUNCTION,
                "fn",
                {"vpcConfig": {"subnetIds": [], "securityGroupIds": UNKNOWN}},
            )
        ],
    )
    assert statuses(evaluate_run(run), "pci-lambda-vpc") == {"fn": "fail"}


def test_unknown_in_a_stack_policy_makes_its_subjects_unknown(make_run, spec, statuses):
    run = make_run(
        "dev-unit",
        [
            spec(t.SQS_QUEUE, "q", {"visibilityTimeoutSeconds": UNKNOWN}),
            spec(t.LAMBDA_FUNCTION, "fn", {"timeout": 30}),
            spec(
                t.LAMBDA_EVENT_SOURCE_MAPPING,
                "esm",
                {"eventSourceArn": "x", "functionName": "y"},
                deps={"eventSourceArn": ["q"], "functionName": ["fn"]},
            ),
        ],
    )
    assert statuses(evaluate_run(run), "pci-sqs-visibility-timeout") == {"q": "unknown"}


def test_secret_values_never_reach_results_or_reports(make_run, spec):
    card = "4111111111111111"
    run = make_run(
        "prod",
        [
            spec(
                t.LAMBDA_FUNCTION,
                "fn",
                {"runtime": "python3.8", "environment": {"variables": {"PAN": Secret(card)}}},
            ),
            spec(t.SECRET, "s", {"kmsKeyId": Secret(card)}),
        ],
    )
    verdict = evaluate_run(run)
    assert any(r.status.value == "fail" for r in verdict.results)
    assert card not in json.dumps(build_report(verdict))
    assert all(card not in r.message for r in verdict.results)


def test_one_role_per_function_compares_literal_role_arns(make_run, spec, statuses):
    role = "arn:aws:iam::1:role/shared"
    run = make_run(
        "dev-unit",
        [
            spec(t.LAMBDA_FUNCTION, "a", {"role": role}),
            spec(t.LAMBDA_FUNCTION, "b", {"role": role}),
            spec(t.LAMBDA_FUNCTION, "c", {"role": "arn:aws:iam::1:role/own"}),
        ],
    )
    assert statuses(evaluate_run(run), "pci-lambda-one-role-per-function") == {
        "a": "fail",
        "b": "fail",
        "c": "pass",
    }


def test_container_functions_bring_their_own_runtime(make_run, spec, statuses):
    run = make_run("dev-unit", [spec(t.LAMBDA_FUNCTION, "img", {"packageType": "Image"})])
    assert statuses(evaluate_run(run), "pci-lambda-runtime") == {"img": "not-applicable"}


def test_account_baseline_applies_to_stage_stacks_only(make_run, spec, statuses):
    for stack, expected in (
        ("prod", "fail"),
        ("org", "not-applicable"),
        ("dev-unit", "not-applicable"),
    ):
        verdict = evaluate_run(
            make_run(stack, [spec(t.AWS_PROVIDER, "p", {"region": "eu-west-1"})])
        )
        assert set(statuses(verdict, "pci-account-guardduty").values()) == {expected}, stack


def test_a_dlq_consumer_keeps_its_failures_in_the_dlq(make_run, spec, statuses):
    redrive = json.dumps(
        {"deadLetterTargetArn": "arn:aws:sqs:eu-west-1:1:dlq", "maxReceiveCount": 5}
    )
    run = make_run(
        "dev-unit",
        [
            spec(t.SQS_QUEUE, "queue", {"redrivePolicy": redrive}, deps={"redrivePolicy": ["dlq"]}),
            spec(t.SQS_QUEUE, "dlq", {}),
            spec(t.SQS_QUEUE, "plain", {}),
            spec(t.LAMBDA_FUNCTION, "worker", {}),
            spec(t.LAMBDA_FUNCTION, "auditor", {}),
            spec(t.LAMBDA_FUNCTION, "reader", {}),
            spec(
                t.LAMBDA_EVENT_SOURCE_MAPPING,
                "w",
                {},
                deps={"eventSourceArn": ["queue"], "functionName": ["worker"]},
            ),
            spec(
                t.LAMBDA_EVENT_SOURCE_MAPPING,
                "a",
                {},
                deps={"eventSourceArn": ["dlq"], "functionName": ["auditor"]},
            ),
            spec(
                t.LAMBDA_EVENT_SOURCE_MAPPING,
                "r",
                {},
                deps={"eventSourceArn": ["plain"], "functionName": ["reader"]},
            ),
        ],
    )
    verdict = evaluate_run(run)
    assert statuses(verdict, "pci-lambda-failure-destination") == {
        "worker": "pass",
        "auditor": "pass",
        "reader": "fail",
    }
    assert statuses(verdict, "pci-sqs-redrive") == {"queue": "pass", "plain": "fail"}


def test_engine_properties_flatten_resource_refs_and_output_values():

    sig = rpc._special_sig_key
    wire = struct_pb2.Struct()
    wire.update(
        {
            "provider": {sig: rpc._special_resource_sig, "urn": "urn:p", "id": "p-1"},
            "component": {sig: rpc._special_resource_sig, "urn": "urn:c"},
            "known": {sig: rpc._special_output_value_sig, "value": "v"},
            "pending": {sig: rpc._special_output_value_sig},
            "hidden": {sig: rpc._special_output_value_sig, "value": "s", "secret": True},
            "plain": ["a", {"b": 1.0}],
        }
    )
    assert json_format.MessageToDict(engine_properties(wire)) == {
        "provider": "p-1",
        "component": "urn:c",
        "known": "v",
        "pending": rpc.UNKNOWN,
        "hidden": {sig: rpc._special_secret_sig, "value": "s"},
        "plain": ["a", {"b": 1.0}],
    }
    untouched = struct_pb2.Struct()
    untouched.update({"plain": "x"})
    assert engine_properties(untouched) is untouched
