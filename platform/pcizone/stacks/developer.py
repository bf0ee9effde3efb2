"""A developer or review stack (dev-<name>, pr-<n>): the payments service in the dev account.

Everything account-level (VPC, keys, Aurora, RDS Proxy, log pipeline, alarm topic) comes from
the dev stack's outputs through a StackReference; this stack creates only what is its own,
under its own prefix (pcz-u-<name>-..., pcz-pr-<n>-...), so two stacks never collide.
"""

from __future__ import annotations

from typing import Any

import pulumi

from pcizone.config.loader import find_repo_root
from pcizone.config.models import DeveloperConfig
from pcizone.config.stage_settings import AccountAccess
from pcizone.core.context import StackContext
from pcizone.core.providers import account_provider
from pcizone.data.log_groups import PipelineDestination
from pcizone.data.placement import Placement
from pcizone.payments_deploy.service import PaymentsService, ServiceArgs
from pcizone.payments_deploy.stage_resources import KeyArns, StageResources

STAGE = "dev"


def build(ctx: StackContext[DeveloperConfig]) -> None:
    config = ctx.config

    def dev(key: str) -> pulumi.Output[Any]:
        return ctx.ref_output(STAGE, key)

    region = config.region
    role = AccountAccess().assume_role_name
    account_id = pulumi.Output.all(dev("accountId"), dev("region"), dev("deployerRoleName")).apply(
        lambda values: _checked_account(values, region, role)
    )
    provider = account_provider(
        "account", ctx.naming, account_id=account_id, role_name=role, region=region
    )
    placement = Placement(provider, account_id, region)
    key_arns = dev("keyArns")
    service = PaymentsService(
        "payments",
        ServiceArgs(
            settings=config.payments,
            env=STAGE,
            stage=StageResources(
                subnet_ids=dev("privateSubnetIds"),
                lambda_security_group_id=dev("lambdaSecurityGroupId"),
                keys=KeyArns(
                    cardholder_data=key_arns.apply(lambda k: str(k["cardholderData"])),
                    logs=key_arns.apply(lambda k: str(k["logs"])),
                    queues=key_arns.apply(lambda k: str(k["queues"])),
                    secrets=key_arns.apply(lambda k: str(k["secrets"])),
                ),
                proxy_endpoint=dev("proxyEndpoint"),
                proxy_resource_id=dev("proxyResourceId"),
                database_port=dev("databasePort"),
                master_username=dev("masterUsername"),
                alarm_topic_arn=dev("alarmTopicArn"),
                subscriber=PipelineDestination(
                    placement=placement,
                    firehose_arn=dev("logFirehoseArn"),
                    role_arn=dev("logSubscriptionRoleArn"),
                ),
            ),
            processor_api_key=(
                pulumi.Output.secret(config.processor_api_key.get_secret_value())
                if config.processor_api_key is not None
                else None
            ),
            repo_root=find_repo_root(),
            developer_stack=True,
        ),
        naming=ctx.naming,
        placement=placement,
    )
    pulumi.export("accountId", account_id)
    pulumi.export("region", region)
    for key, value in service.outputs().items():
        pulumi.export(key, value)


def _checked_account(values: list[Any], region: str, role: str) -> str:
    """The dev account's id, once the dev stack is known to match this stack's assumptions."""
    account_id, dev_region, dev_role = values
    if dev_region != region:
        # The service lives in the dev stack's VPC: another region has none.
        raise ValueError(
            f"aws:region is {region} but the dev stack runs in {dev_region}:"
            " a developer stack must use the dev stack's region"
        )
    if dev_role != role:
        # The dev account's key policies trust the dev stack's deployer role only.
        raise ValueError(
            f"the dev stack deploys as role {dev_role}, developer stacks as {role}:"
            " keep pcizone:account.assumeRoleName at its default in stacks/Pulumi.dev.yaml"
        )
    return str(account_id)
