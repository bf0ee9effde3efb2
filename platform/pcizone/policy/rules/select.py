"""Subject selectors shared by stack policies: which resources a stack policy judges."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pcizone.policy import aws_types as t
from pcizone.policy.views import Context, Resource, Stack

Selector = Callable[[Stack, Context], Sequence[Resource]]


def whole_stack(stack: Stack, _ctx: Context) -> Sequence[Resource]:
    """The stack itself, for policies about what a stack must contain."""
    return [Resource(urn=stack.urn, type=t.STACK, name="stack", props={})]


def classified(types: Sequence[str], *classes: str) -> Selector:
    """Resources of `types` whose data-classification tag is one of `classes`."""
    wanted = tuple(types)

    def select(stack: Stack, _ctx: Context) -> Sequence[Resource]:
        return [r for r in stack.of_type(*wanted) if r.classification in classes]

    return select


def trail_buckets(stack: Stack, _ctx: Context) -> Sequence[Resource]:
    """Buckets a CloudTrail trail in this stack writes to."""
    buckets = stack.of_type(t.S3_BUCKET)
    trails = stack.of_type(t.CLOUDTRAIL)
    return [b for b in buckets if any(tr.refers_to("s3BucketName", b, "bucket") for tr in trails)]
