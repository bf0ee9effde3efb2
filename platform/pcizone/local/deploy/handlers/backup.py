"""AWS Backup: vaults and plans (the emulator runs no backup jobs; drills restore locally)."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    TAG_KEYS,
    Deployed,
    Handler,
    ReplaceNeeded,
    ResourceContext,
    as_bool,
    as_int,
    drop_none,
    ignore_missing,
)


def _backup(ctx: ResourceContext) -> Any:
    return ctx.client("backup")


class Vault(Handler):
    type = "aws:backup/vault:Vault"
    replace_on = frozenset({"name", "kmsKeyArn"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = ctx.name_or_auto(inputs, max_len=50)
        vault = _backup(ctx).create_backup_vault(
            **drop_none(
                {
                    "BackupVaultName": name,
                    "EncryptionKeyArn": inputs.get("kmsKeyArn"),
                    "BackupVaultTags": ctx.tags(inputs) or None,
                }
            )
        )
        return Deployed(
            name,
            {
                "name": name,
                "arn": vault["BackupVaultArn"],
                "recoveryPoints": 0,
                "tagsAll": ctx.tags(inputs),
            },
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        tags = ctx.tags(inputs)
        if tags:
            _backup(ctx).tag_resource(ResourceArn=current.outputs["arn"], Tags=tags)
        return Deployed(current.id, {**current.outputs, "tagsAll": tags})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_backup(ctx).delete_backup_vault, BackupVaultName=current.id)


def _rule(rule: dict[str, Any]) -> dict[str, Any]:
    def lifecycle(block: dict[str, Any] | None) -> dict[str, Any] | None:
        if not block:
            return None
        return drop_none(
            {
                "DeleteAfterDays": as_int(block.get("deleteAfter")),
                "MoveToColdStorageAfterDays": as_int(block.get("coldStorageAfter")),
                "OptInToArchiveForSupportedResources": as_bool(
                    block.get("optInToArchiveForSupportedResources")
                ),
            }
        )

    return drop_none(
        {
            "RuleName": rule["ruleName"],
            "TargetBackupVaultName": rule["targetVaultName"],
            "ScheduleExpression": rule.get("schedule"),
            "ScheduleExpressionTimezone": rule.get("scheduleExpressionTimezone"),
            "StartWindowMinutes": as_int(rule.get("startWindow")),
            "CompletionWindowMinutes": as_int(rule.get("completionWindow")),
            "EnableContinuousBackup": as_bool(rule.get("enableContinuousBackup")),
            "Lifecycle": lifecycle(rule.get("lifecycle")),
            "RecoveryPointTags": rule.get("recoveryPointTags") or None,
            "CopyActions": [
                drop_none(
                    {
                        "DestinationBackupVaultArn": action["destinationVaultArn"],
                        "Lifecycle": lifecycle(action.get("lifecycle")),
                    }
                )
                for action in rule.get("copyActions") or []
            ]
            or None,
        }
    )


class Plan(Handler):
    """id is the plan's id; a change is a new plan version."""

    type = "aws:backup/plan:Plan"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        plan = _backup(ctx).create_backup_plan(
            BackupPlan=self._plan(ctx, inputs), BackupPlanTags=ctx.tags(inputs)
        )
        return Deployed(
            plan["BackupPlanId"],
            {
                "arn": plan["BackupPlanArn"],
                "version": plan["VersionId"],
                "name": inputs.get("name") or ctx.autoname(50),
                "tagsAll": ctx.tags(inputs),
            },
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        if changed - TAG_KEYS:
            raise ReplaceNeeded  # the emulator cannot change a plan's rules in place
        return Deployed(current.id, {**current.outputs, "tagsAll": ctx.tags(inputs)})

    def _plan(self, ctx: ResourceContext, inputs: dict[str, Any]) -> dict[str, Any]:
        return {
            "BackupPlanName": inputs.get("name") or ctx.autoname(50),
            "Rules": [_rule(rule) for rule in inputs.get("rules") or []],
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_backup(ctx).delete_backup_plan, BackupPlanId=current.id)


HANDLERS: tuple[Handler, ...] = (Vault(), Plan())
