"""Policy metadata: count, ids, PCI DSS sections, the issue's coverage list, real type tokens."""

from __future__ import annotations

import re
from pathlib import Path

import pulumi_aws
import pytest
from pcizone.policy.registry import PACK_VERSION, all_policies, by_id
from pcizone.policy.requirements import SECTIONS, title
from pcizone.policy.spec import Level, Severity

# Every control issue 6 names, by the policy that covers it.
REQUIRED = {
    "organization trail: multi-region": "pci-trail-multi-region",
    "organization trail: log validation": "pci-trail-log-validation",
    "organization trail: CMK": "pci-trail-kms",
    "organization trail: CloudWatch delivery": "pci-trail-cloudwatch",
    "organization trail: exists in the org stack": "pci-org-trail",
    "trail bucket: versioning": "pci-s3-versioning",
    "trail bucket: Object Lock": "pci-trail-bucket-object-lock",
    "trail bucket: access logging": "pci-trail-bucket-access-logging",
    "trail bucket: TLS-only": "pci-s3-tls-only",
    "trail bucket: lifecycle >= 365 days": "pci-trail-bucket-lifecycle",
    "log groups: KMS": "pci-logs-kms",
    "log groups: retention >= 365": "pci-logs-retention",
    "KMS: rotation": "pci-kms-rotation",
    "KMS: deletion window >= 30": "pci-kms-deletion-window",
    "IAM: no * action": "pci-iam-no-wildcard-action",
    "IAM: no kms:Decrypt on *": "pci-iam-no-kms-decrypt-star",
    "Lambda: one role per function": "pci-lambda-one-role-per-function",
    "Lambda: VPC": "pci-lambda-vpc",
    "Lambda: env KMS": "pci-lambda-env-kms",
    "Lambda: supported runtime": "pci-lambda-runtime",
    "Lambda: reserved concurrency": "pci-lambda-reserved-concurrency",
    "Lambda: DLQ / destination / redrive": "pci-lambda-failure-destination",
    "Lambda: permission source": "pci-lambda-permission-source",
    "SQS: SSE-KMS CMK": "pci-sqs-sse-kms-cmk",
    "SQS: redrive": "pci-sqs-redrive",
    "SQS: TLS-only": "pci-sqs-tls-only",
    "SQS: DLQ retention > source": "pci-sqs-dlq-retention",
    "SQS: visibility >= 6x timeout": "pci-sqs-visibility-timeout",
    "Aurora: CMK": "pci-aurora-storage-cmk",
    "Aurora: IAM auth": "pci-aurora-iam-auth",
    "Aurora: force_ssl": "pci-aurora-force-ssl",
    "Aurora: not public": "pci-rds-not-public",
    "Aurora: backups 7 / 35 prod": "pci-aurora-backup-retention",
    "Aurora: deletion protection prod": "pci-aurora-deletion-protection",
    "Aurora: log exports": "pci-aurora-log-exports",
    "Aurora: backup plan": "pci-aurora-backup-plan",
    "RDS Proxy: TLS": "pci-rds-proxy-tls",
    "S3: SSE-KMS": "pci-s3-sse-kms",
    "S3: public access block": "pci-s3-public-access-block",
    "account: S3 public access block": "pci-account-s3-public-access-block",
    "account: EBS default encryption": "pci-account-ebs-encryption",
    "account: GuardDuty": "pci-account-guardduty",
    "account: Security Hub with PCI": "pci-account-securityhub-pci",
    "account: Config": "pci-account-config",
    "account: Access Analyzer": "pci-account-access-analyzer",
    "Firehose: SSE": "pci-firehose-sse",
    "Firehose: destination KMS": "pci-firehose-destination-kms",
    "Secrets Manager: CMK": "pci-secret-cmk",
    "Secrets Manager: rotation": "pci-secret-rotation",
    "network: no 0.0.0.0/0 ingress": "pci-sg-no-public-ingress",
    "network: flow logs": "pci-vpc-flow-logs",
    "API stages: access logs": "pci-apigw-access-logs",
    "API stages: throttling": "pci-apigw-throttling",
    "no human decrypts cardholder data": "pci-kms-no-human-decrypt",
    "SCPs on workload OUs": "pci-scp-workload-ous",
}
STACK_POLICIES = {
    "pci-lambda-one-role-per-function",
    "pci-sqs-visibility-timeout",
    "pci-kms-no-human-decrypt",
    "pci-scp-workload-ous",
}


def test_at_least_45_policies_with_unique_stable_ids():
    policies = all_policies()
    assert len(policies) >= 45
    ids = [p.id for p in policies]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"pci-[a-z0-9]+(-[a-z0-9]+)+", i) for i in ids)


def test_every_issue_control_is_covered():
    policies = by_id()
    missing = {control: pid for control, pid in REQUIRED.items() if pid not in policies}
    assert missing == {}
    assert all(policies[pid].kind == "stack" for pid in STACK_POLICIES)


def test_metadata_is_complete():
    for p in all_policies():
        assert p.description.endswith(".") and len(p.description) < 200, p.id
        assert p.requirements and all(r in SECTIONS for r in p.requirements), p.id
        assert isinstance(p.severity, Severity) and isinstance(p.enforcement, Level), p.id
        assert p.enforcement in (Level.MANDATORY, Level.ADVISORY), p.id
        assert p.remediation and p.types, p.id
        assert not (p.locked and p.enforcement is not Level.MANDATORY), p.id
        assert title(p.requirements[0])


def test_sections_match_the_shared_reference_when_present(repo_root):  # type: ignore[no-untyped-def]
    reference = repo_root.parent / "shared" / "reference" / "pci-dss-v4-sections.md"
    if not reference.is_file():
        pytest.skip("the shared reference file is not next to this checkout")
    listed = re.findall(r"^\| ([0-9A][0-9.]*) \| ", reference.read_text(encoding="utf-8"), re.M)
    assert set(SECTIONS) == set(listed)


def _module_file(token: str) -> Path:
    package, rest = token.split(":", 1)[1].split("/", 1)[0], token.split("/", 1)[1]
    camel = rest.split(":", 1)[0]
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()
    folder = "lambda_" if package == "lambda" else package
    return Path(pulumi_aws.__file__).parent / folder / f"{snake}.py"


def test_every_type_token_is_a_pulumi_aws_resource():
    tokens = {token for p in all_policies() for token in p.types if token.startswith("aws:")}
    for token in sorted(tokens):
        source = _module_file(token)
        assert source.is_file(), token
        assert f"'{token}'" in source.read_text(encoding="utf-8"), token


def test_pack_yaml_version_matches_the_registry(repo_root):  # type: ignore[no-untyped-def]
    text = (repo_root / "platform/policypack/PulumiPolicy.yaml").read_text(encoding="utf-8")
    assert re.search(rf"^version: {re.escape(PACK_VERSION)}$", text, re.M)
