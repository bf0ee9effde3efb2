"""The org stack declares exactly these resources, each in the account it belongs to."""

from __future__ import annotations

import json
from typing import Any

MGMT, LOG, SEC, DEV, STG, PRD = "management", "logArchive", "security", "dev", "staging", "prod"
REGIONS = ("eu-west-1", "eu-central-1")  # pcizone:organization.allowedRegions of Pulumi.org.yaml


def _per_region(prefix: str, account: str) -> dict[str, str]:
    return {f"{prefix}-{region}": account for region in REGIONS}


def _github(account_key: str, stack: str) -> dict[str, dict[str, str]]:
    roles = ["deploy", "preview", *(["review"] if stack == "dev" else [])]
    read_only = [r for r in roles if r != "deploy"]
    return {
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
            f"github-{stack}-oidc": account_key
        },
        "aws:iam/role:Role": {f"github-{stack}-{r}": account_key for r in roles},
        "aws:iam/rolePolicy:RolePolicy": {f"github-{stack}-{r}": account_key for r in roles},
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
            f"github-{stack}-{r}-read-only": account_key for r in read_only
        },
    }


SCPS = (
    "deny-iam-users",
    "deny-leave-organization",
    "deny-other-regions",
    "deny-root-user",
    "protect-account-defaults",
    "protect-audit-logs",
    "protect-kms-keys",
    "protect-log-encryption",
    "protect-security-services",
    "quarantine-deny-all",
    "require-encrypted-storage",
)
ATTACHMENTS = {
    "deny-leave-organization": ("root",),
    "deny-root-user": ("root",),
    "protect-audit-logs": ("root",),
    "deny-other-regions": ("root",),
    "protect-security-services": ("security", "workloads"),
    "protect-account-defaults": ("security", "workloads"),
    "protect-kms-keys": ("security", "workloads"),
    "deny-iam-users": ("security", "workloads"),
    "require-encrypted-storage": ("nonprod", "prod", "log-archive", "security-account"),
    "protect-log-encryption": ("nonprod", "prod", "log-archive", "security-account"),
    "quarantine-deny-all": ("quarantine",),
}
BUCKET_COMPANIONS = (
    "lifecycle:BucketLifecycleConfiguration",
    "ownership:BucketOwnershipControls",
    "policy:BucketPolicy",
    "public-access:BucketPublicAccessBlock",
    "encryption:BucketServerSideEncryptionConfiguration",
    "versioning:BucketVersioning",
)


def expected() -> dict[str, dict[str, str]]:
    """type -> resource name -> account key of the provider that declares it."""
    table: dict[str, dict[str, str]] = {
        "aws:organizations/organization:Organization": {"organization": MGMT},
        "aws:organizations/organizationalUnit:OrganizationalUnit": {
            f"ou-{k}": MGMT for k in ("security", "workloads", "nonprod", "prod", "quarantine")
        },
        "aws:organizations/account:Account": {
            f"account-{k}": MGMT for k in (LOG, SEC, DEV, STG, PRD)
        },
        "aws:organizations/policy:Policy": {f"scp-{k}": MGMT for k in SCPS},
        "aws:organizations/policyAttachment:PolicyAttachment": {
            f"scp-{scp}-{target}": MGMT
            for scp, targets in ATTACHMENTS.items()
            for target in targets
        },
        "aws:organizations/delegatedAdministrator:DelegatedAdministrator": {
            "access-analyzer-admin": MGMT
        },
        "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount": _per_region(
            "guardduty-admin", MGMT
        ),
        "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount": _per_region(
            "securityhub-admin", MGMT
        ),
        "aws:guardduty/detector:Detector": _per_region("security-detector", SEC),
        "aws:guardduty/detectorFeature:DetectorFeature": {
            f"security-detector-{region}-{feature}": SEC
            for region in REGIONS
            for feature in ("s3-data-events", "lambda-network-logs")
        },
        "aws:guardduty/organizationConfiguration:OrganizationConfiguration": _per_region(
            "guardduty-organization", SEC
        ),
        "aws:securityhub/account:Account": _per_region("security-hub", SEC),
        "aws:securityhub/organizationConfiguration:OrganizationConfiguration": _per_region(
            "securityhub-organization", SEC
        ),
        "aws:accessanalyzer/analyzer:Analyzer": _per_region("organization-analyzer", SEC),
        "aws:kms/key:Key": {"log-archive-key": LOG, "audit-events-key": MGMT},
        "aws:kms/alias:Alias": {"log-archive-key-alias": LOG, "audit-events-key-alias": MGMT},
        "aws:s3/bucket:Bucket": {"log-archive": LOG, "access-logs": LOG},
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": {
            "log-archive-object-lock": LOG
        },
        "aws:s3/bucketLogging:BucketLogging": {"log-archive-access-logging": LOG},
        "aws:cloudtrail/trail:Trail": {"organization-trail": MGMT},
        "aws:cloudwatch/logGroup:LogGroup": {"trail-events": MGMT},
        "aws:cloudwatch/logMetricFilter:LogMetricFilter": {
            "break-glass-used": MGMT,
            "root-activity": MGMT,
        },
        "aws:cloudwatch/metricAlarm:MetricAlarm": {"break-glass-used": MGMT, "root-activity": MGMT},
        "aws:sns/topic:Topic": {"security-alerts": MGMT},
        "aws:sns/topicPolicy:TopicPolicy": {"security-alerts-policy": MGMT},
        "aws:sns/topicSubscription:TopicSubscription": {"security-alerts-email-0": MGMT},
        "aws:iam/role:Role": {
            "log-auditor": LOG,
            "trail-to-cloudwatch": MGMT,
            "security-enrollment": SEC,
        },
        "aws:iam/rolePolicy:RolePolicy": {
            "log-auditor-read-logs": LOG,
            "trail-to-cloudwatch": MGMT,
            "security-enrollment": SEC,
        },
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {"log-auditor-security-audit": LOG},
    }
    for companion in BUCKET_COMPANIONS:
        suffix, kind = companion.split(":")
        type_ = f"aws:s3/{kind[0].lower()}{kind[1:]}:{kind}"
        table[type_] = {f"log-archive-{suffix}": LOG, f"access-logs-{suffix}": LOG}
    for account_key, stack in ((MGMT, "management"), (DEV, "dev"), (STG, "staging"), (PRD, "prod")):
        for type_, names in _github(account_key, stack).items():
            table.setdefault(type_, {}).update(names)
    return table


def _account_of_provider(provider: Any, ids: dict[str, str]) -> str:
    roles = json.loads(provider.inputs.get("assumeRoles", "[]"))
    if not roles:
        return MGMT
    account = roles[0]["roleArn"].split(":")[4]
    return next(key for key, value in ids.items() if value == account)


def test_the_org_stack_declares_exactly_the_expected_resources(org: Any) -> None:
    want = {(t, n) for t, names in expected().items() for n in names}
    got = {(r.type, r.name) for r in org.custom_resources()}
    assert sorted(got - want) == []
    assert sorted(want - got) == []


def test_every_resource_uses_the_provider_of_its_account(org: Any) -> None:
    ids = org.outputs["accountIds"]
    table = expected()
    for resource in org.custom_resources():
        provider = org.provider_of(resource)
        assert not provider.name.startswith("default"), resource.urn
        assert _account_of_provider(provider, ids) == table[resource.type][resource.name], (
            resource.urn
        )


def test_member_account_providers_assume_the_member_role_into_the_created_accounts(
    org: Any,
) -> None:
    ids = org.outputs["accountIds"]
    providers = {p.name: p for p in org.all("pulumi:providers:aws")}
    assert set(providers) == {"management", *(f"account-{k}" for k in ids)}
    assert "assumeRoles" not in providers["management"].inputs
    for key, account_id in ids.items():
        inputs = providers[f"account-{key}"].inputs
        assert json.loads(inputs["assumeRoles"])[0]["roleArn"] == (
            f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
        )
        assert json.loads(inputs["allowedAccountIds"]) == [account_id]
        assert inputs["region"] == "eu-west-1"
        # The account id the provider pins comes from the Account resource itself.
        account = org.one("aws:organizations/account:Account", f"account-{key}")
        assert account.id == account_id
