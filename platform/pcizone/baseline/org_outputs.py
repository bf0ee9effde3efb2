"""What a stage stack reads from the org stack, checked once so a gap is one clear error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from pcizone.config.models import StageConfig
from pcizone.core.context import StackContext


class OrgOutputError(ValueError):
    """The org stack's outputs lack something this stage needs (deploy the org stack first)."""


def _entry(values: Any, output: str, key: str) -> str:
    if not isinstance(values, dict) or not values.get(key):
        raise OrgOutputError(f"the org stack's {output} output has no entry for {key!r}")
    return str(values[key])


@dataclass(frozen=True)
class OrgOutputs:
    account_id: pulumi.Output[str]  # this stage's account
    account_email: pulumi.Output[str]
    security_account_id: pulumi.Output[str]
    management_account_id: pulumi.Output[str]
    log_archive_bucket_name: pulumi.Output[str]
    log_archive_bucket_arn: pulumi.Output[str]
    log_archive_key_arn: pulumi.Output[str]
    platform_role_name: pulumi.Output[str]
    guardduty_admin_detector_ids: pulumi.Output[dict[str, str]]  # region -> detector id

    @classmethod
    def read(cls, ctx: StackContext[StageConfig]) -> OrgOutputs:
        stage = ctx.identity.stage

        def out(key: str) -> pulumi.Output[Any]:
            return ctx.ref_output("org", key)

        ids = out("accountIds")
        return cls(
            account_id=ids.apply(lambda v: _entry(v, "accountIds", stage)),
            account_email=out("accountEmails").apply(lambda v: _entry(v, "accountEmails", stage)),
            security_account_id=ids.apply(lambda v: _entry(v, "accountIds", "security")),
            management_account_id=out("managementAccountId").apply(str),
            log_archive_bucket_name=out("logArchiveBucketName").apply(str),
            log_archive_bucket_arn=out("logArchiveBucketArn").apply(str),
            log_archive_key_arn=out("logArchiveKeyArn").apply(str),
            platform_role_name=out("platformRoleName").apply(str),
            guardduty_admin_detector_ids=out("guardDutyAdminDetectorIds").apply(
                lambda v: {str(k): str(d) for k, d in (v or {}).items()}
            ),
        )

    def admin_detector_id(self, region: str) -> pulumi.Output[str]:
        return self.guardduty_admin_detector_ids.apply(
            lambda ids: _entry(ids, "guardDutyAdminDetectorIds", region)
        )
