"""The org stack's outputs: the contract stage stacks, the local cloud and CI read."""

from __future__ import annotations

import re
from typing import Any

CONTRACT = {
    "accountIds",
    "organizationId",
    "organizationRootId",
    "ouIds",
    "logArchiveBucketName",
    "logArchiveBucketArn",
    "logArchiveKeyArn",
    "memberRoleName",
    "trailArn",
    "githubOidcProviderArns",
    "ghaRoleArns",
}
# Read by the stage stacks' baseline (pcizone.baseline.org_outputs).
STAGE_READS = {
    "accountEmails",
    "managementAccountId",
    "platformRoleName",
    "guardDutyAdminDetectorIds",
}


def test_outputs_cover_the_contract_and_what_stage_stacks_read(org: Any) -> None:
    outputs = org.outputs
    assert set(outputs) >= CONTRACT | STAGE_READS
    assert re.fullmatch(r"o-[0-9a-f]{10}", outputs["organizationId"])
    assert (
        outputs["organizationId"]
        == org.one("aws:organizations/organization:Organization", "organization").id
    )
    assert set(outputs["ouIds"]) == {"security", "workloads", "nonprod", "prod", "quarantine"}
    assert outputs["memberRoleName"] == "OrganizationAccountAccessRole"
    assert outputs["platformRoleName"] == "pcizone-platform"
    assert outputs["logArchiveBucketArn"] == f"arn:aws:s3:::{outputs['logArchiveBucketName']}"
    log_archive = outputs["accountIds"]["logArchive"]
    assert outputs["logArchiveBucketName"] == f"pcz-org-log-archive-{log_archive}"
    assert (
        outputs["trailArn"]
        == org.one("aws:cloudtrail/trail:Trail", "organization-trail").outputs["arn"]
    )
    assert outputs["accountEmails"]["prod"] == "aws+prod@example.com"
