"""AWS Backup: a daily plan for the Aurora cluster into a KMS-encrypted vault, copied to the
DR region's vault in prod. These copies are independent of Aurora's own automated backups, so
deleting the cluster does not delete them. PCI DSS 12.10.1 (recovery), 3.5.1 (encrypted).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.config.stage_settings import BackupSettings
from pcizone.core.naming import DataClass, Naming, PrincipalType
from pcizone.data.placement import Placement
from pcizone.data.policy_documents import service_trust

MANAGED_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
)


@dataclass(frozen=True)
class CopyTarget:
    """The DR region's vault, declared with the DR region's provider and key."""

    placement: Placement
    key_arn: pulumi.Input[str]


class BackupPlan(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        settings: BackupSettings,
        cluster_arn: pulumi.Input[str],
        key_arn: pulumi.Input[str],
        copy_to: CopyTarget | None,
        naming: Naming,
        placement: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:data:BackupPlan", name, None, opts)
        tags = naming.tags(DataClass.CARDHOLDER_DATA, component="backup")
        self.vault = aws.backup.Vault(
            f"{name}-vault",
            name=naming.name("backup"),
            kms_key_arn=key_arn,
            force_destroy=False,
            tags=tags,
            opts=placement.opts(self),
        )
        copy_actions: list[aws.backup.PlanRuleCopyActionArgs] = []
        self.dr_vault: aws.backup.Vault | None = None
        if copy_to is not None:
            self.dr_vault = aws.backup.Vault(
                f"{name}-dr-vault",
                name=naming.name("backup-dr"),
                kms_key_arn=copy_to.key_arn,
                force_destroy=False,
                tags=tags,
                opts=copy_to.placement.opts(self),
            )
            copy_actions.append(
                aws.backup.PlanRuleCopyActionArgs(
                    destination_vault_arn=self.dr_vault.arn,
                    lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(
                        delete_after=settings.retention_days
                    ),
                )
            )
        self.role = aws.iam.Role(
            f"{name}-role",
            name=naming.name("backup"),
            description="AWS Backup: snapshots and restores of the Aurora cluster",
            assume_role_policy=service_trust("backup.amazonaws.com"),
            max_session_duration=3600,
            tags=naming.tags(
                DataClass.CARDHOLDER_DATA, component="backup", principal=PrincipalType.WORKLOAD
            ),
            opts=placement.opts(self),
        )
        for index, policy_arn in enumerate(MANAGED_POLICIES):
            aws.iam.RolePolicyAttachment(
                f"{name}-role-{('backup', 'restores')[index]}",
                role=self.role.name,
                policy_arn=policy_arn,
                opts=placement.opts(self),
            )
        self.plan = aws.backup.Plan(
            f"{name}-plan",
            name=naming.name("aurora-daily"),
            rules=[
                aws.backup.PlanRuleArgs(
                    rule_name="daily",
                    target_vault_name=self.vault.name,
                    schedule=settings.schedule,
                    start_window=60,
                    completion_window=360,
                    enable_continuous_backup=False,
                    lifecycle=aws.backup.PlanRuleLifecycleArgs(
                        delete_after=settings.retention_days
                    ),
                    copy_actions=copy_actions,
                    recovery_point_tags=tags,
                )
            ],
            tags=tags,
            opts=placement.opts(self),
        )
        aws.backup.Selection(
            f"{name}-selection",
            name=naming.name("aurora", max_len=50),
            plan_id=self.plan.id,
            iam_role_arn=self.role.arn,
            resources=[cluster_arn],
            opts=placement.opts(self),
        )
        self.register_outputs({"vaultArn": self.vault.arn})
