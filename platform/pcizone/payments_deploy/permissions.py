"""Exactly what each payment function may do: (actions, resources) per statement.

Every function writes its own log group, sends X-Ray traces and attaches to the VPC; then:

| function      | database user  | queue                                 | keys                      |
|---------------|----------------|---------------------------------------|---------------------------|
| api           | the app user   | send to the queue; failures to the DLQ| queue key: data key, read |
| worker        | the app user   | receive/delete from the queue         | queue key: read           |
| dlq-auditor   | the app user   | receive/delete from the DLQ           | queue key: read           |
| outbox-relay  | the app user   | send to the queue; failures to the DLQ| queue key: data key, read |
| migrator      | the master user| failures to the DLQ                   | queue key: data key, read |

"Failures to the DLQ": functions invoked other than by an SQS source send a failed
asynchronous invocation to the DLQ (Lambda does it with the function's role), where the
auditor records and alerts on it. The worker alone reads the processor's API key (Stripe),
through Secrets Manager only.
Resource `*` appears only where AWS offers no resource-level permission: X-Ray's trace calls
and the EC2 network-interface calls Lambda makes for VPC attachment (the same set as AWS's
AWSLambdaVPCAccessExecutionRole). PCI DSS 7.2.1, 7.2.2, 7.2.5.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import pulumi

from pcizone.data.policy_documents import Statement, allow

TRACE_ACTIONS = ("xray:PutTelemetryRecords", "xray:PutTraceSegments")
VPC_ACTIONS = (
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:UnassignPrivateIpAddresses",
)
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
CONSUME_ACTIONS = ("sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage")
PRODUCE_ACTIONS = ("sqs:SendMessage",)
# SQS SSE: producers need a data key and consumers decrypt it (both for producers too).
PRODUCE_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
CONSUME_KEY_ACTIONS = ("kms:Decrypt",)
# Invoked by API Gateway, EventBridge or the deploy (not by an SQS source): their failed
# asynchronous invocations go to the DLQ (service.py's FunctionEventInvokeConfig).
ASYNC_FAILURES_TO_DLQ = frozenset({"api", "outbox-relay", "migrator"})
# The only `*` resources, with the reason an auditor will ask for.
UNSCOPED_ACTIONS = frozenset(TRACE_ACTIONS + VPC_ACTIONS)


class Function(enum.StrEnum):
    API = "api"
    WORKER = "worker"
    DLQ_AUDITOR = "dlq-auditor"
    OUTBOX_RELAY = "outbox-relay"
    MIGRATOR = "migrator"


@dataclass(frozen=True)
class Resources:
    """ARNs the grants name (Outputs while the program runs)."""

    region: str
    account_id: pulumi.Input[str]
    log_group_arn: pulumi.Input[str]
    proxy_resource_id: pulumi.Input[str]
    db_user: str
    admin_user: pulumi.Input[str]
    queue_arn: pulumi.Input[str]
    dlq_arn: pulumi.Input[str]
    queue_key_arn: pulumi.Input[str]
    secrets_key_arn: pulumi.Input[str]
    processor_secret_arn: pulumi.Input[str] | None  # Stripe only

    def db_user_arn(self, user: pulumi.Input[str]) -> pulumi.Output[str]:
        """rds-db:connect through RDS Proxy names the proxy's resource id, not the cluster's."""
        return pulumi.Output.concat(
            f"arn:aws:rds-db:{self.region}:",
            self.account_id,
            ":dbuser:",
            self.proxy_resource_id,
            "/",
            user,
        )


def statements(function: Function, r: Resources) -> list[Statement]:
    out = [
        allow("WriteOwnLogs", LOG_ACTIONS, [pulumi.Output.concat(r.log_group_arn, ":*")]),
        allow("Tracing", TRACE_ACTIONS, ["*"]),
        allow("VpcAttachment", VPC_ACTIONS, ["*"]),
    ]
    if function.value in ASYNC_FAILURES_TO_DLQ:
        out.append(allow("AsyncFailuresToDeadLetters", PRODUCE_ACTIONS, [r.dlq_arn]))
        out.append(allow("QueueKeyProduce", PRODUCE_KEY_ACTIONS, [r.queue_key_arn]))
    if function is Function.MIGRATOR:
        out.append(allow("ConnectAsAdmin", ["rds-db:connect"], [r.db_user_arn(r.admin_user)]))
        return out
    out.append(allow("ConnectAsAppUser", ["rds-db:connect"], [r.db_user_arn(r.db_user)]))
    if function in (Function.API, Function.OUTBOX_RELAY):
        out.append(allow("SendPayments", PRODUCE_ACTIONS, [r.queue_arn]))
    elif function is Function.WORKER:
        out.append(allow("ConsumePayments", CONSUME_ACTIONS, [r.queue_arn]))
        out.append(allow("QueueKeyConsume", CONSUME_KEY_ACTIONS, [r.queue_key_arn]))
        if r.processor_secret_arn is not None:
            out.append(
                allow(
                    "ReadProcessorKey", ["secretsmanager:GetSecretValue"], [r.processor_secret_arn]
                )
            )
            out.append(
                allow(
                    "DecryptProcessorKey",
                    ["kms:Decrypt"],
                    [r.secrets_key_arn],
                    {
                        "StringEquals": {
                            "kms:ViaService": f"secretsmanager.{r.region}.amazonaws.com"
                        }
                    },
                )
            )
    elif function is Function.DLQ_AUDITOR:
        out.append(allow("ConsumeDeadLetters", CONSUME_ACTIONS, [r.dlq_arn]))
        out.append(allow("QueueKeyConsume", CONSUME_KEY_ACTIONS, [r.queue_key_arn]))
    return out
