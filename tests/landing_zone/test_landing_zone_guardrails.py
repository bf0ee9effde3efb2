"""Guardrail SCPs: one named policy per guardrail, within quota, reaching every member account."""

from __future__ import annotations

import fnmatch
import json
import re
from collections import defaultdict
from typing import Any

import pytest
from pcizone.landing_zone.documents import PolicyDocumentError, document, render, statement
from pcizone.landing_zone.iam_grammar import DocumentKind, problems
from pcizone.landing_zone.scps.regions import GLOBAL_SERVICE_ACTIONS

POLICY = "aws:organizations/policy:Policy"
ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment"
OU = "aws:organizations/organizationalUnit:OrganizationalUnit"
ACCOUNT = "aws:organizations/account:Account"
ORG = "aws:organizations/organization:Organization"
SCP_QUOTA = 5_120
GUARDRAILS = {
    "deny-leave-organization",
    "deny-root-user",
    "protect-audit-logs",
    "deny-other-regions",
    "protect-security-services",
    "protect-account-defaults",
    "protect-kms-keys",
    "deny-iam-users",
    "require-encrypted-storage",
    "protect-log-encryption",
}


def _scps(org: Any) -> dict[str, Any]:
    return {r.name.removeprefix("scp-"): r for r in org.all(POLICY)}


def _statements(org: Any, key: str) -> dict[str, dict[str, Any]]:
    content = json.loads(_scps(org)[key].inputs["content"])
    return {s["Sid"]: s for s in content["Statement"]}


def test_every_scp_is_minified_under_the_quota_and_valid_grammar(org: Any) -> None:
    scps = _scps(org)
    assert set(scps) == GUARDRAILS | {"quarantine-deny-all"}
    for key, scp in scps.items():
        content = scp.inputs["content"]
        assert len(content) < SCP_QUOTA, key
        assert content == json.dumps(json.loads(content), separators=(",", ":")), key
        assert problems(content, DocumentKind.SCP) == [], key
        assert scp.inputs["type"] == "SERVICE_CONTROL_POLICY"
        assert scp.inputs["name"] == f"pcz-org-scp-{key}"


def test_every_description_cites_the_pci_dss_requirement_it_serves(org: Any) -> None:
    for key, scp in _scps(org).items():
        description = scp.inputs["description"]
        assert re.match(r"^PCI DSS (\d+\.\d+(\.\d+)*)(, \d+\.\d+(\.\d+)*)*: ", description), key
        assert len(description) <= 512, key


def test_policies_and_attachments_wait_for_the_organization(org: Any) -> None:
    # Organizations refuses both until the organization exists with SCPs enabled.
    organization = org.one(ORG, "organization")
    for resource in [*org.all(POLICY), *org.all(ATTACHMENT)]:
        assert organization.urn in resource.dependencies, resource.name


def _ancestors(org: Any) -> dict[str, list[str]]:
    """Target URN -> the URNs whose attached SCPs apply to it (itself, parent OUs, root)."""
    parents: dict[str, str] = {}
    for resource in [*org.all(OU), *org.all(ACCOUNT)]:
        (parent,) = resource.property_dependencies["parentId"]
        parents[resource.urn] = parent
    chains: dict[str, list[str]] = {}
    for urn in parents:
        chain = [urn]
        while chain[-1] in parents:
            chain.append(parents[chain[-1]])
        chains[urn] = chain
    return chains


def _attached(org: Any) -> dict[str, set[str]]:
    """Target URN (OU, account, or the organization for the root) -> attached SCP keys."""
    by_urn = {r.urn: key for key, r in _scps(org).items()}
    found: dict[str, set[str]] = defaultdict(set)
    for attachment in org.all(ATTACHMENT):
        (policy,) = attachment.property_dependencies["policyId"]
        (target,) = attachment.property_dependencies["targetId"]
        found[target].add(by_urn[policy])
    return found


def test_every_member_account_inherits_every_guardrail(org: Any) -> None:
    chains, attached = _ancestors(org), _attached(org)
    for account in org.all(ACCOUNT):
        effective = set().union(*(attached[urn] for urn in chains[account.urn]))
        assert effective == GUARDRAILS, account.name


def test_quarantine_ou_denies_everything_and_no_target_exceeds_the_scp_quota(org: Any) -> None:
    attached = _attached(org)
    quarantine = org.one(OU, "ou-quarantine")
    assert attached[quarantine.urn] == {"quarantine-deny-all"}
    assert _statements(org, "quarantine-deny-all") == {
        "DenyEverything": {
            "Sid": "DenyEverything",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
        }
    }
    # Five per target, one of them AWS's FullAWSAccess.
    assert max(len(keys) for keys in attached.values()) <= 4
    root_target = org.one(ORG, "organization").urn
    assert attached[root_target] == {
        "deny-leave-organization",
        "deny-root-user",
        "protect-audit-logs",
        "deny-other-regions",
    }


def test_root_user_and_leaving_the_organization_are_denied(org: Any) -> None:
    root = _statements(org, "deny-root-user")["DenyRootUser"]
    assert (root["Effect"], root["Action"], root["Resource"]) == ("Deny", "*", "*")
    assert root["Condition"] == {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}
    leave = _statements(org, "deny-leave-organization")["DenyLeaveOrganization"]
    assert leave["Action"] == "organizations:LeaveOrganization"
    assert "Condition" not in leave


def test_region_guardrail_allows_only_configured_regions_and_exempts_global_services(
    org: Any,
) -> None:
    deny = _statements(org, "deny-other-regions")["DenyOutsideAllowedRegions"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {
        "StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}
    }
    assert deny["NotAction"] == list(GLOBAL_SERVICE_ACTIONS)
    for needed in ("iam:*", "sts:*", "organizations:*", "route53:*", "support:*"):
        assert needed in deny["NotAction"]
    # Regional services must stay covered by the deny.
    for regional in ("kms:*", "s3:*", "ec2:*", "rds:*", "lambda:*", "config:*"):
        assert regional not in deny["NotAction"]


def test_audit_log_guardrail_protects_trail_and_the_actual_archive_buckets(org: Any) -> None:
    statements = _statements(org, "protect-audit-logs")
    trail = statements["DenyTrailTampering"]
    assert set(trail["Action"]) == {
        "cloudtrail:StopLogging",
        "cloudtrail:DeleteTrail",
        "cloudtrail:UpdateTrail",
        "cloudtrail:PutEventSelectors",
    }
    deletion = statements["DenyLogArchiveDeletion"]
    assert "Condition" not in deletion  # nobody, not even the deploy role, deletes logs
    assert set(deletion["Action"]) == {
        "s3:DeleteBucket",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
    }
    for bucket in (org.outputs["logArchiveBucketName"], org.outputs["accessLogBucketName"]):
        for arn in (f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/any/object"):
            assert any(fnmatch.fnmatchcase(arn, p) for p in deletion["Resource"]), arn
    reconfigure = statements["DenyLogArchiveReconfiguration"]
    assert reconfigure["Resource"] == deletion["Resource"]
    assert reconfigure["Condition"] == {
        "ArnNotLike": {
            "aws:PrincipalArn": [
                "arn:aws:iam::*:role/OrganizationAccountAccessRole",
                "arn:aws:iam::*:role/pcizone-gha-deploy",
            ]
        }
    }


def test_key_guardrail_exempts_only_the_platform_role(org: Any) -> None:
    deny = _statements(org, "protect-kms-keys")["DenyKeyDestruction"]
    assert {"kms:ScheduleKeyDeletion", "kms:DisableKey"} <= set(deny["Action"])
    assert deny["Condition"] == {
        "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/pcizone-platform"}
    }


def test_security_services_and_account_defaults_cannot_be_switched_off(org: Any) -> None:
    services = _statements(org, "protect-security-services")
    disabling = set(services["DenyDisablingDetection"]["Action"])
    for action in (
        "guardduty:DeleteDetector",
        "securityhub:DisableSecurityHub",
        "config:StopConfigurationRecorder",
        "config:DeleteConfigurationRecorder",
        "access-analyzer:DeleteAnalyzer",
    ):
        assert action in disabling
    assert "Condition" not in services["DenyDisablingDetection"]
    defaults = _statements(org, "protect-account-defaults")
    assert defaults["DenyDisablingEbsEncryption"]["Action"] == [
        "ec2:DisableEbsEncryptionByDefault",
        "ec2:ResetEbsDefaultKmsKeyId",
    ]
    assert defaults["DenyChangingAccountPublicAccessBlock"]["Action"] == (
        "s3:PutAccountPublicAccessBlock"
    )


def test_iam_users_unencrypted_storage_and_log_key_removal_are_denied(org: Any) -> None:
    users = _statements(org, "deny-iam-users")["DenyIamUsersAndKeys"]
    assert {"iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"} <= set(
        users["Action"]
    )
    storage = _statements(org, "require-encrypted-storage")
    assert storage["DenyUnencryptedRds"]["Condition"] == {"Bool": {"rds:StorageEncrypted": "false"}}
    assert storage["DenyRdsClusterWithoutEncryption"]["Condition"] == {
        "Null": {"rds:StorageEncrypted": "true"}
    }
    uploads = storage["DenyNonKmsUploads"]
    assert uploads["Action"] == "s3:PutObject"
    assert uploads["Condition"] == {
        "StringNotEquals": {"s3:x-amz-server-side-encryption": ["aws:kms", "aws:kms:dsse"]},
        "Null": {"s3:x-amz-server-side-encryption": "false"},
    }
    logs = _statements(org, "protect-log-encryption")["DenyLogGroupKmsDisassociation"]
    assert logs["Action"] == "logs:DisassociateKmsKey"


def test_a_document_over_the_quota_is_refused_before_it_reaches_aws() -> None:
    actions = [f"ec2:Describe{'X' * 40}{i}" for i in range(120)]
    big = document(statement("DenyMany", "Deny", actions=actions, resources="*"))
    with pytest.raises(PolicyDocumentError, match=r"^SCP big: \d+ characters minified, above"):
        render(big, DocumentKind.SCP, "SCP big")
