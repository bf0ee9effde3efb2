"""Lambda functions: isolated (VPC, own role), patched runtime, encrypted env, failures kept."""

from __future__ import annotations

from collections.abc import Iterator

from pcizone.policy import aws_types as t
from pcizone.policy import values
from pcizone.policy.rules.queue_graph import consumed_queues, keeps_failures
from pcizone.policy.spec import Level, NotApplicable, Severity, resource_policy, stack_policy
from pcizone.policy.views import Context, Resource, Stack

# Runtimes AWS still patches (not deprecated) as of this pack's release; review each release.
SUPPORTED_RUNTIMES = frozenset(
    {
        "python3.11",
        "python3.12",
        "python3.13",
        "python3.14",
        "nodejs20.x",
        "nodejs22.x",
        "java17",
        "java21",
        "dotnet8",
        "ruby3.3",
        "ruby3.4",
        "provided.al2023",
    }
)


@resource_policy(
    "pci-lambda-vpc",
    "Lambda functions run inside a VPC, in named subnets and security groups.",
    requirements=("1.3.1", "1.3.2", "1.4.2"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.LAMBDA_FUNCTION,),
    remediation="Set vpc_config with the private subnet ids and the function's security group.",
)
def lambda_vpc(fn: Resource, _ctx: Context) -> Iterator[str]:
    config = fn.props.get("vpcConfig")
    if not values.as_str_list(values.get(config, "subnetIds")):
        yield "vpcConfig.subnetIds is empty or not set"
    if not values.as_str_list(values.get(config, "securityGroupIds")):
        yield "vpcConfig.securityGroupIds is empty or not set"


@resource_policy(
    "pci-lambda-env-kms",
    "Lambda environment variables are encrypted with a customer managed KMS key.",
    requirements=("3.5.1", "3.5.1.3", "8.3.2"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.LAMBDA_FUNCTION,),
    remediation="Set kms_key_arn to the stack's application key ARN.",
)
def lambda_env_kms(fn: Resource, _ctx: Context) -> Iterator[str]:
    variables = values.as_mapping(values.get(fn.props.get("environment"), "variables"))
    if not variables:
        raise NotApplicable("the function has no environment variables")
    if values.as_str(fn.props.get("kmsKeyArn")) is None:
        yield "kmsKeyArn is not set, so the environment is encrypted with an AWS managed key"


@resource_policy(
    "pci-lambda-runtime",
    "Lambda functions use a runtime that AWS still patches.",
    requirements=("6.3.3",),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.LAMBDA_FUNCTION,),
    remediation=f"Use one of: {', '.join(sorted(SUPPORTED_RUNTIMES))}.",
)
def lambda_runtime(fn: Resource, _ctx: Context) -> Iterator[str]:
    if fn.props.get("packageType") == "Image":
        raise NotApplicable("container image functions bring their own runtime")
    runtime = values.as_str(fn.props.get("runtime"))
    if runtime is None:
        yield "runtime is not set"
    elif runtime not in SUPPORTED_RUNTIMES:
        yield f"runtime {runtime} is deprecated or unknown"


@resource_policy(
    "pci-lambda-reserved-concurrency",
    "Lambda functions reserve their concurrency, so one stack cannot starve another.",
    requirements=("A1.1.2",),
    severity=Severity.MEDIUM,
    enforcement=Level.ADVISORY,
    types=(t.LAMBDA_FUNCTION,),
    remediation="Set reserved_concurrent_executions to the function's expected peak (>= 1).",
)
def lambda_reserved_concurrency(fn: Resource, _ctx: Context) -> Iterator[str]:
    reserved = values.as_number(fn.props.get("reservedConcurrentExecutions"))
    if reserved is None or reserved < 0:
        yield "reservedConcurrentExecutions is not set"
    elif reserved == 0:
        yield "reservedConcurrentExecutions is 0, which stops the function"


@resource_policy(
    "pci-lambda-permission-source",
    "Lambda permissions that let a service invoke a function name the source ARN or account.",
    requirements=("7.2.1", "1.3.1"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.LAMBDA_PERMISSION,),
    remediation="Set source_arn (for example the API's execution ARN) or source_account.",
)
def lambda_permission_source(permission: Resource, _ctx: Context) -> Iterator[str]:
    source_arn = values.as_str(permission.props.get("sourceArn"))
    source_account = values.as_str(permission.props.get("sourceAccount"))
    if source_arn is None and source_account is None:
        yield "neither sourceArn nor sourceAccount is set (a confused deputy could invoke it)"


def role_identity(fn: Resource) -> str | None:
    """The role a function runs as: the Role resource it depends on, else the literal ARN."""
    deps = fn.property_dependencies.get("role", ())
    if deps:
        return " ".join(sorted(deps))
    return values.as_str(fn.props.get("role"))


@stack_policy(
    "pci-lambda-one-role-per-function",
    "Every Lambda function runs as an IAM role of its own.",
    requirements=("7.2.1", "7.2.2", "7.2.5"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.LAMBDA_FUNCTION,),
    remediation="Create one aws.iam.Role per function, with only what that function does.",
)
def lambda_one_role(fn: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    role = role_identity(fn)
    if role is None:
        yield "role is not set"
        return
    others = [
        other.name
        for other in stack.of_type(t.LAMBDA_FUNCTION)
        if other.urn != fn.urn and role_identity(other) == role
    ]
    if others:
        yield f"shares its role with {', '.join(sorted(others))}"


@stack_policy(
    "pci-lambda-failure-destination",
    "Failed Lambda events are kept: a DLQ, an on-failure destination, or SQS sources that "
    "redrive to a DLQ (or are the DLQ).",
    requirements=("10.7.1", "10.7.2"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.LAMBDA_FUNCTION,),
    remediation=(
        "Set dead_letter_config, add a FunctionEventInvokeConfig with an on_failure "
        "destination, or consume only from SQS queues that redrive to a DLQ."
    ),
)
def lambda_failure_destination(fn: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    if values.as_str(values.get(fn.props.get("deadLetterConfig"), "targetArn")) is not None:
        return
    invoke_configs = stack.referrers(fn, (t.LAMBDA_EVENT_INVOKE_CONFIG,), "functionName", "name")
    for config in invoke_configs:
        destination = values.get(config.props.get("destinationConfig"), "onFailure.destination")
        if values.as_str(destination) is not None:
            return
    queues = consumed_queues(fn, stack)
    # A failed message goes back to its queue: kept if the queue redrives to a DLQ, or if
    # the queue is itself the dead-letter queue (its auditor's failures stay there).
    unkept = [q.name for _, q in queues if not keeps_failures(q, stack)]
    if queues and not unkept:
        return
    detail = f"; source queues without redrive: {', '.join(unkept)}" if unkept else ""
    yield f"no dead-letter queue, on-failure destination or redriving source queue{detail}"
