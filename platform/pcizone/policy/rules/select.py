"""Subject selectors shared by stack policies (which resources a stack policy judges), and the
declaration of policies that judge a stack as a whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pcizone.policy import aws_types as t
from pcizone.policy.spec import (
    Level,
    Severity,
    StackCheck,
    StackKind,
    StackPolicySpec,
    stack_policy,
)
from pcizone.policy.views import Context, Resource, Stack


def whole_stack(stack: Stack, _ctx: Context) -> Sequence[Resource]:
    """The stack itself, for policies about what a stack must contain."""
    return [Resource(urn=stack.urn, type=t.STACK, name="stack", props={})]


def whole_stack_policy(
    policy_id: str,
    description: str,
    *,
    requirements: Sequence[str],
    severity: Severity,
    enforcement: Level,
    kinds: Sequence[StackKind],
    remediation: str,
    locked: bool = False,
) -> Callable[[StackCheck], StackPolicySpec]:
    """Declare a policy about what every stack of `kinds` must contain: judged once per stack."""
    return stack_policy(
        policy_id,
        description,
        requirements=requirements,
        severity=severity,
        enforcement=enforcement,
        types=(t.STACK,),
        subjects=whole_stack,
        kinds=kinds,
        remediation=remediation,
        locked=locked,
    )


def trail_buckets(stack: Stack, _ctx: Context) -> Sequence[Resource]:
    """Buckets a CloudTrail trail in this stack writes to."""
    buckets = stack.of_type(t.S3_BUCKET)
    trails = stack.of_type(t.CLOUDTRAIL)
    return [b for b in buckets if any(tr.refers_to("s3BucketName", b, "bucket") for tr in trails)]
