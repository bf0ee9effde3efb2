"""GuardDuty and Security Hub: detectors, hubs, delegated administrators, members.

The emulator records them and produces no findings. Calls it does not implement (disabling
an administrator, removing a member) are left out of `delete`: the local cloud is discarded
as a whole by `pcizone down --local`.
"""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    PutHandler,
    ResourceContext,
    as_bool,
    drop_none,
    error_code,
    ignore_missing,
)


def _guardduty(ctx: ResourceContext) -> Any:
    return ctx.client("guardduty")


def _hub(ctx: ResourceContext) -> Any:
    return ctx.client("securityhub")


class Detector(Handler):
    type = "aws:guardduty/detector:Detector"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        detector_id = _guardduty(ctx).create_detector(
            **drop_none(
                {
                    "Enable": as_bool(inputs.get("enable")) is not False,
                    "FindingPublishingFrequency": inputs.get("findingPublishingFrequency"),
                    "Tags": ctx.tags(inputs) or None,
                }
            )
        )["DetectorId"]
        return Deployed(
            detector_id,
            {
                "accountId": ctx.account,
                "arn": ctx.arn("guardduty", f"detector/{detector_id}"),
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
        _guardduty(ctx).update_detector(
            **drop_none(
                {
                    "DetectorId": current.id,
                    "Enable": as_bool(inputs.get("enable")) is not False,
                    "FindingPublishingFrequency": inputs.get("findingPublishingFrequency"),
                }
            )
        )
        return Deployed(current.id, {**current.outputs, "tagsAll": ctx.tags(inputs)})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_guardduty(ctx).delete_detector, DetectorId=current.id)


class GuardDutyOrganizationAdminAccount(PutHandler):
    type = "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        account = str(inputs["adminAccountId"])
        _guardduty(ctx).enable_organization_admin_account(AdminAccountId=account)
        return Deployed(account)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        return


class SecurityHubAccount(Handler):
    """id is the account, as pulumi-aws's."""

    type = "aws:securityhub/account:Account"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        try:
            _hub(ctx).enable_security_hub(
                **drop_none(
                    {
                        "EnableDefaultStandards": as_bool(inputs.get("enableDefaultStandards")),
                        "ControlFindingGenerator": inputs.get("controlFindingGenerator"),
                        "Tags": ctx.tags(inputs) or None,
                    }
                )
            )
        except Exception as exc:
            if error_code(exc) != "ResourceConflictException":  # already enabled
                raise
        return Deployed(
            ctx.account,
            {"arn": ctx.arn("securityhub", "hub/default"), "tagsAll": ctx.tags(inputs)},
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        return Deployed(current.id, {**current.outputs, "tagsAll": ctx.tags(inputs)})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_hub(ctx).disable_security_hub)


class SecurityHubOrganizationAdminAccount(PutHandler):
    type = "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        account = str(inputs["adminAccountId"])
        _hub(ctx).enable_organization_admin_account(AdminAccountId=account)
        return Deployed(account)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        return


class SecurityHubOrganizationConfiguration(PutHandler):
    type = "aws:securityhub/organizationConfiguration:OrganizationConfiguration"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        config = inputs.get("organizationConfiguration") or {}
        _hub(ctx).update_organization_configuration(
            **drop_none(
                {
                    "AutoEnable": bool(as_bool(inputs.get("autoEnable"))),
                    "AutoEnableStandards": inputs.get("autoEnableStandards"),
                    # The emulator insists on a status, which AWS itself reports.
                    "OrganizationConfiguration": {
                        "ConfigurationType": config["configurationType"],
                        "Status": "ENABLED",
                    }
                    if config.get("configurationType")
                    else None,
                }
            )
        )
        return Deployed(ctx.account)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        return


class SecurityHubMember(Handler):
    type = "aws:securityhub/member:Member"
    replace_on = frozenset({"accountId", "email", "invite"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        account = str(inputs["accountId"])
        details = drop_none({"AccountId": account, "Email": inputs.get("email")})
        unprocessed = (
            _hub(ctx).create_members(AccountDetails=[details]).get("UnprocessedAccounts", [])
        )
        if unprocessed:
            raise RuntimeError(f"Security Hub did not add member {account}: {unprocessed[0]}")
        return Deployed(account, {"masterId": ctx.account, "memberStatus": "Enabled"})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        return


HANDLERS: tuple[Handler, ...] = (
    Detector(),
    GuardDutyOrganizationAdminAccount(),
    SecurityHubAccount(),
    SecurityHubOrganizationAdminAccount(),
    SecurityHubOrganizationConfiguration(),
    SecurityHubMember(),
)
