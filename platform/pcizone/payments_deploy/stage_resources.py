"""What the payments service takes from its stage: live objects in staging and prod, the dev
stack's outputs (through a StackReference) in developer stacks. Nothing else is shared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from pcizone.data.log_groups import LogSubscriber


@dataclass(frozen=True)
class KeyArns:
    cardholder_data: pulumi.Input[str]
    logs: pulumi.Input[str]
    queues: pulumi.Input[str]
    secrets: pulumi.Input[str]


@dataclass(frozen=True)
class StageResources:
    subnet_ids: pulumi.Input[Sequence[str]]
    lambda_security_group_id: pulumi.Input[str]
    keys: KeyArns
    proxy_endpoint: pulumi.Input[str]
    proxy_resource_id: pulumi.Input[str]
    database_port: pulumi.Input[int]
    master_username: pulumi.Input[str]
    alarm_topic_arn: pulumi.Input[str]
    subscriber: LogSubscriber
