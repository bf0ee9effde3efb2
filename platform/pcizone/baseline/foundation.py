"""The entry point stage stacks call: the account baseline and the log pipeline of a stage.

`build_account_foundation` applies the baseline in the stage's region and, in prod, its DR
region, enrols the account with the security account, and builds the log pipeline in the
home region. `AccountFoundation.subscribe` forwards a log group to the log archive;
`exports` are the stage outputs developer stacks read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from pcizone.baseline.account_baseline import AccountBaseline, AccountBaselineArgs
from pcizone.baseline.org_outputs import OrgOutputs
from pcizone.baseline.regional import Region
from pcizone.config.models import StageConfig
from pcizone.core.context import StackContext
from pcizone.core.providers import account_provider
from pcizone.landing_zone.enrollment_role import ENROLLMENT_ROLE
from pcizone.log_pipeline.pipeline import LogPipeline, LogPipelineArgs


@dataclass
class AccountFoundation:
    baseline: AccountBaseline
    log_pipeline: LogPipeline
    exports: dict[str, pulumi.Input[Any]] = field(default_factory=dict)

    def subscribe(
        self,
        name: str,
        log_group: aws.cloudwatch.LogGroup,
        opts: pulumi.ResourceOptions | None = None,
    ) -> aws.cloudwatch.LogSubscriptionFilter:
        """Forward every event of `log_group` (home region) to the organization's log archive."""
        return self.log_pipeline.subscribe(name, log_group, opts)


def build_account_foundation(
    ctx: StackContext[StageConfig],
    provider: aws.Provider,
    *,
    logs_key_arn: pulumi.Input[str],
) -> AccountFoundation:
    config, naming = ctx.config, ctx.naming
    org = OrgOutputs.read(ctx)
    regions = [Region(config.region, provider, home=True)]
    if config.dr.region is not None:
        # A provider of our own for the DR region: the baseline must cover every region used.
        regions.append(
            Region(
                config.dr.region,
                account_provider(
                    "baseline-dr",
                    naming,
                    account_id=org.account_id,
                    role_name=config.account.assume_role_name,
                    region=config.dr.region,
                ),
                home=False,
            )
        )
    # Only the enrolment role: this stack may manage its own membership there, nothing else.
    security = account_provider(
        "security-account",
        naming,
        account_id=org.security_account_id,
        role_name=ENROLLMENT_ROLE,
        region=config.region,
    )
    baseline = AccountBaseline(
        "baseline",
        AccountBaselineArgs(
            naming=naming,
            org=org,
            regions=regions,
            security_provider=security,
            alert_emails=[str(e) for e in config.alerts.emails],
        ),
    )
    pipeline = LogPipeline(
        "log-pipeline",
        LogPipelineArgs(
            naming=naming,
            region=config.region,
            account_id=org.account_id,
            archive_bucket_arn=org.log_archive_bucket_arn,
            archive_key_arn=org.log_archive_key_arn,
            logs_key_arn=logs_key_arn,
            retention_days=config.logs.retention_days,
        ),
        provider,
    )
    exports: dict[str, pulumi.Input[Any]] = {
        "logFirehoseArn": pipeline.stream.arn,
        "logSubscriptionRoleArn": pipeline.subscription_role.arn,
        "securityAlertsTopicArn": baseline.alerts.arn,
        "peopleRoleArns": baseline.role_arns(),
    }
    return AccountFoundation(baseline=baseline, log_pipeline=pipeline, exports=exports)
