"""AccountBaseline: what every workload account has, whatever runs in it.

Account-wide: S3 public access block, IAM password policy, the AWS Config service role,
people's roles and the break-glass alarm. Per region used: see regional.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.baseline.break_glass_alarm import break_glass_alarm
from pcizone.baseline.org_outputs import OrgOutputs
from pcizone.baseline.people import PeopleInputs, people_roles
from pcizone.baseline.people_policies import Persona
from pcizone.baseline.regional import Region, RegionalBaseline, regional_baseline
from pcizone.core.naming import DataClass, Naming
from pcizone.landing_zone.alert_topic import alert_topic

COMPONENT = "baseline"

# PCI DSS 8.3.6 (12+ characters, letters and digits), 8.3.7 (not one of the last four),
# 8.3.9 (changed every 90 days). No IAM users exist (an SCP denies them); this is the backstop.
PASSWORD_MIN_LENGTH = 14
PASSWORD_REUSE_PREVENTION = 24
PASSWORD_MAX_AGE_DAYS = 90


@dataclass(frozen=True)
class AccountBaselineArgs:
    naming: Naming
    org: OrgOutputs
    regions: list[Region]  # the home region first
    security_provider: aws.Provider  # the security account, home region
    alert_emails: list[str]


class AccountBaseline(pulumi.ComponentResource):
    regional: dict[str, RegionalBaseline]
    roles: dict[Persona, aws.iam.Role]
    alerts: aws.sns.Topic

    def __init__(
        self, name: str, args: AccountBaselineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("pcizone:baseline:AccountBaseline", name, None, opts)
        home = args.regions[0]
        if not home.home or any(r.home for r in args.regions[1:]):
            raise ValueError("AccountBaseline: the first region, and only it, is the home region")
        naming, org = args.naming, args.org
        account = pulumi.ResourceOptions(parent=self, provider=home.provider)
        aws.s3.AccountPublicAccessBlock(
            "s3-public-access",
            account_id=org.account_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=account,
        )
        aws.iam.AccountPasswordPolicy(
            "password-policy",
            minimum_password_length=PASSWORD_MIN_LENGTH,
            require_lowercase_characters=True,
            require_uppercase_characters=True,
            require_numbers=True,
            require_symbols=True,
            allow_users_to_change_password=True,
            password_reuse_prevention=PASSWORD_REUSE_PREVENTION,
            max_password_age=PASSWORD_MAX_AGE_DAYS,
            hard_expiry=False,
            opts=account,
        )
        config_role = aws.iam.ServiceLinkedRole(
            "config-service-role",
            aws_service_name="config.amazonaws.com",
            description="AWS Config records this account's resources into the log archive",
            tags=naming.tags(DataClass.INTERNAL, component=COMPONENT),
            opts=account,
        )
        self.regional = {
            region.name: regional_baseline(
                naming,
                region,
                org=org,
                config_role_arn=config_role.arn,
                security_provider=args.security_provider,
                parent=self,
            )
            for region in args.regions
        }
        self.roles = people_roles(
            naming,
            PeopleInputs(
                account_id=org.account_id,
                security_account_id=org.security_account_id,
                management_account_id=org.management_account_id,
                platform_role_name=org.platform_role_name,
            ),
            account,
        )
        self.alerts = alert_topic(
            "security-alerts",
            naming=naming,
            account_id=org.account_id,
            key_arn=self.regional[home.name].key.arn,
            emails=args.alert_emails,
            component=COMPONENT,
            opts=account,
        )
        break_glass_alarm(
            naming, role=self.roles[Persona.BREAK_GLASS], topic=self.alerts, opts=account
        )
        self.register_outputs({"securityAlertsTopicArn": self.alerts.arn})

    def role_arns(self) -> dict[str, pulumi.Output[str]]:
        return {persona.value: role.arn for persona, role in self.roles.items()}
