"""One payment function: its log group, its own role and exact policy, then the function.

The log group (KMS, retention, card-number data protection, subscribed to the log pipeline)
and the role's policy are declared before the function, so the first invocation can neither
create an unencrypted group nor run without its permissions. PCI DSS 3.4.1/3.5.1 (card
numbers masked in logs), 7.2.1 (one role per function), 10.2.1, 10.5.1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.config.payments_settings import FunctionSettings
from pcizone.core.naming import DataClass, Naming, PrincipalType
from pcizone.data.log_groups import LogSubscriber, encrypted_log_group
from pcizone.data.placement import Placement
from pcizone.data.policy_documents import Statement, document, service_trust
from pcizone.log_pipeline.protection import pan_data_protection_policy

RUNTIME = "python3.12"
ARCHITECTURE = "arm64"


@dataclass(frozen=True)
class Packaging:
    code_path: str
    code_hash: str  # base64 SHA-256 (Lambda's CodeSha256 form)
    layer_arn: pulumi.Input[str]


@dataclass(frozen=True)
class FunctionArgs:
    key: str  # "api", "worker", ...: names and tags
    handler: str
    description: str
    settings: FunctionSettings
    environment: Mapping[str, pulumi.Input[str]]
    subnet_ids: pulumi.Input[Sequence[str]]
    security_group_id: pulumi.Input[str]
    env_key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]
    log_retention_days: int
    subscriber: LogSubscriber | None
    packaging: Packaging
    depends_on: Sequence[pulumi.Resource] = ()


class PaymentFunction(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        args: FunctionArgs,
        *,
        statements: Callable[[pulumi.Output[str]], list[Statement]],
        naming: Naming,
        placement: Placement,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`statements` builds the role's policy from the function's own log group ARN."""
        super().__init__("pcizone:payments:Function", name, None, opts)
        self.key = args.key
        function_name = naming.name(args.key)
        tags = naming.tags(DataClass.CARDHOLDER_DATA, component=f"payments-{args.key}")
        self.log_group = encrypted_log_group(
            f"{name}-logs",
            group_name=f"/aws/lambda/{function_name}",
            naming=naming,
            component=f"payments-{args.key}",
            placement=placement,
            parent=self,
            kms_key_arn=args.logs_key_arn,
            retention_days=args.log_retention_days,
            subscriber=args.subscriber,
        )
        protection = aws.cloudwatch.LogDataProtectionPolicy(
            f"{name}-pan-protection",
            log_group_name=self.log_group.name,
            policy_document=pan_data_protection_policy(f"{function_name}-card-numbers"),
            opts=placement.opts(self),
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            name=naming.name(args.key),
            description=f"Execution role of {function_name} only",
            assume_role_policy=service_trust("lambda.amazonaws.com"),
            max_session_duration=3600,
            tags=naming.tags(
                DataClass.CARDHOLDER_DATA,
                component=f"payments-{args.key}",
                principal=PrincipalType.WORKLOAD,
            ),
            opts=placement.opts(self),
        )
        self.policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=self.role.id,
            name=function_name,
            policy=document(statements(self.log_group.arn)),
            opts=placement.opts(self),
        )
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=function_name,
            description=args.description,
            role=self.role.arn,
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=args.handler,
            package_type="Zip",
            code=pulumi.FileArchive(args.packaging.code_path),
            source_code_hash=args.packaging.code_hash,
            layers=[args.packaging.layer_arn],
            memory_size=args.settings.memory_mb,
            timeout=args.settings.timeout_seconds,
            reserved_concurrent_executions=args.settings.reserved_concurrency,
            kms_key_arn=args.env_key_arn,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=dict(args.environment)),
            vpc_config=aws.lambda_.FunctionVpcConfigArgs(
                subnet_ids=args.subnet_ids,
                security_group_ids=[args.security_group_id],
                ipv6_allowed_for_dual_stack=False,
            ),
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            # Text keeps structlog's JSON lines as they are; the group is the one declared above.
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="Text", log_group=self.log_group.name
            ),
            publish=False,
            tags=tags,
            opts=placement.opts(
                self,
                depends_on=[self.log_group, protection, self.policy, *args.depends_on],
            ),
        )
        self.register_outputs({"name": self.function.name, "roleArn": self.role.arn})
