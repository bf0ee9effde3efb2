"""Subject selectors shared by stack policies: which resources a stack policy judges."""

from __future__ import annotations

from collections.abc import Sequence

from pcizone.policy import aws_types as t
from pcizone.policy.views import Context, Resource, Stack


def whole_stack(stack: Stack, _ctx: Context) -> Sequence[Resource]:
    """The stack itself, for policies about what a stack must contain."""
    return [Resource(urn=stack.urn, type=t.STACK, name="stack", props={})]


def trail_buckets(stack: Stack, _ctx: Context) -> Sequence[Resource]:
    """Buckets a CloudTrail trail in this stack writes to."""
    buckets = stack.of_type(t.S3_BUCKET)
    trails = stack.of_type(t.CLOUDTRAIL)
    return [b for b in buckets if any(tr.refers_to("s3BucketName", b, "bucket") for tr in trails)]
