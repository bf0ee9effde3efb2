"""AWS Backup: a daily plan for the Aurora cluster into a KMS-encrypted vault.

In prod the DR region gets a vault of its own: the primary's recovery points are copied there
(`backup.crossRegionCopy`), and a plan in that region selects the secondary cluster, so the
cluster that becomes the writer after a failover is already backed up. Recovery points are
independent of Aurora's automated backups: deleting a cluster does not delete them.
PCI DSS 12.10.1 (recovery), 3.5.1 (encrypted), 10.5.1 (retention).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.config.stage_settings import BackupSettings
from pcizone.core.naming import DataClass, Naming, PrincipalType
from pcizone.data.placement import Placement
from pcizone.data.policy_documents import service_trust

MANAGED_POLICIES = {
    "backup": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "restores": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
}


@dataclass(frozen=True)
class DrBackup:
    """The DR region: its provider, its cardholder-data key, what to copy and back up there."""

    placement: Placement
    key_arn: pulumi.Input[str]
    copy_primary: bool
    secondary_cluster_arn: pulumi.Input[str] | None


class BackupPlan(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        settings: BackupSettings,
        cluster_arn: pulumi.Input[str],
        key_arn: pulumi.Input[str],
        dr: DrBackup | None,
        naming: Naming,
        placement: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:data:BackupPlan", name, None, opts)
        self._settings = settings
        self._naming = naming
        self._tags = naming.tags(DataClass.CARDHOLDER_DATA, component="backup")
        # IAM is global: one service role serves the plans of both regions.
        self.role = aws.iam.Role(
            f"{name}-role",
            name=naming.name("backup"),
            description="AWS Backup: snapshots and restores of the Aurora clusters",
            assume_role_policy=service_trust("backup.amazonaws.com"),
            max_session_duration=3600,
            tags=naming.tags(
                DataClass.CARDHOLDER_DATA, component="backup", principal=PrincipalType.WORKLOAD
            ),
            opts=placement.opts(self),
        )
        for key, policy_arn in MANAGED_POLICIES.items():
            aws.iam.RolePolicyAttachment(
                f"{name}-role-{key}",
                role=self.role.name,
                policy_arn=policy_arn,
                opts=placement.opts(self),
            )
        self.vault = self._vault(f"{name}-vault", "backup", key_arn, placement)
        self.dr_vault = (
            self._vault(f"{name}-dr-vault", "backup-dr", dr.key_arn, dr.placement)
            if dr is not None
            else None
        )
        copy_to = self.dr_vault if dr is not None and dr.copy_primary else None
        self.plan = self._plan(
            f"{name}", "aurora-daily", self.vault, copy_to, cluster_arn, placement
        )
        if dr is not None and self.dr_vault is not None and dr.secondary_cluster_arn is not None:
            self._plan(
                f"{name}-dr",
                "aurora-daily-dr",
                self.dr_vault,
                None,
                dr.secondary_cluster_arn,
                dr.placement,
            )
        self.register_outputs({"vaultArn": self.vault.arn})

    def _vault(
        self, resource_name: str, base: str, key_arn: pulumi.Input[str], placement: Placement
    ) -> aws.backup.Vault:
        return aws.backup.Vault(
            resource_name,
            name=self._naming.name(base),
            kms_key_arn=key_arn,
            force_destroy=False,
            tags=self._tags,
            opts=placement.opts(self),
        )

    def _plan(
        self,
        resource_name: str,
        base: str,
        vault: aws.backup.Vault,
        copy_to: aws.backup.Vault | None,
        cluster_arn: pulumi.Input[str],
        placement: Placement,
    ) -> aws.backup.Plan:
        retention = self._settings.retention_days
        copies = (
            [
                aws.backup.PlanRuleCopyActionArgs(
                    destination_vault_arn=copy_to.arn,
                    lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(delete_after=retention),
                )
            ]
            if copy_to is not None
            else []
        )
        plan = aws.backup.Plan(
            f"{resource_name}-plan",
            name=self._naming.name(base),
            rules=[
                aws.backup.PlanRuleArgs(
                    rule_name="daily",
                    target_vault_name=vault.name,
                    schedule=self._settings.schedule,
                    start_window=60,
                    completion_window=360,
                    enable_continuous_backup=False,
                    lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=retention),
                    copy_actions=copies,
                    recovery_point_tags=self._tags,
                )
            ],
            tags=self._tags,
            opts=placement.opts(self),
        )
        aws.backup.Selection(
            f"{resource_name}-selection",
            name=self._naming.name(base, max_len=50),
            plan_id=plan.id,
            iam_role_arn=self.role.arn,
            resources=[cluster_arn],
            opts=placement.opts(self),
        )
        return plan
