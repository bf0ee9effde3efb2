"""VPC flow logs (accepted and rejected traffic) into an encrypted log group.

PCI DSS 10.2.1 and 10.2.2 (audit logs of access to system components), 1.2.5 (review of
allowed traffic), 10.5.1 (retention from the stack's logs.retentionDays).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming
from pcizone.data.log_groups import LogSubscriber, encrypted_log_group
from pcizone.data.placement import Placement
from pcizone.data.policy_documents import allow, document, service_trust


class FlowLogs(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        naming: Naming,
        placement: Placement,
        vpc_id: pulumi.Input[str],
        logs_key_arn: pulumi.Input[str],
        retention_days: int,
        subscriber: LogSubscriber | None,
        role_name: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:network:FlowLogs", name, None, opts)
        group_name = f"/pcizone/{naming.prefix}/vpc-flow-logs"
        self.log_group = encrypted_log_group(
            f"{name}-group",
            group_name=group_name,
            naming=naming,
            component="network",
            placement=placement,
            parent=self,
            kms_key_arn=logs_key_arn,
            retention_days=retention_days,
            subscriber=subscriber,
        )
        flow_log_arns = placement.arn("ec2", "vpc-flow-log/*")
        self.role = aws.iam.Role(
            f"{name}-role",
            name=role_name,
            description="VPC Flow Logs delivery into the flow log group",
            assume_role_policy=service_trust(
                "vpc-flow-logs.amazonaws.com",
                account_id=placement.account_id,
                source_arn=flow_log_arns,
            ),
            max_session_duration=3600,
            tags=naming.tags(DataClass.LOGS, component="network"),
            opts=placement.opts(self),
        )
        aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=self.role.id,
            name="deliver-flow-logs",
            policy=document(
                [
                    allow(
                        "WriteThisGroup",
                        ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                        [self.log_group.arn, pulumi.Output.concat(self.log_group.arn, ":*")],
                    ),
                    # The service checks that the group exists; DescribeLogGroups has no
                    # resource-level scope narrower than the account's log groups.
                    allow(
                        "FindThisGroup",
                        ["logs:DescribeLogGroups"],
                        [placement.arn("logs", "log-group:*")],
                    ),
                ]
            ),
            opts=placement.opts(self),
        )
        self.flow_log = aws.ec2.FlowLog(
            f"{name}-vpc",
            vpc_id=vpc_id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.log_group.arn,
            iam_role_arn=self.role.arn,
            max_aggregation_interval=60,
            tags=naming.tags(DataClass.LOGS, component="network"),
            opts=placement.opts(self),
        )
        self.register_outputs({"logGroupName": self.log_group.name})
