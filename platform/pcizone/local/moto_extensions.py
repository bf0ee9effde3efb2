"""What the emulator lacks or gets wrong that a deploy needs, fixed in-process.

- AWS managed policies (`arn:aws:iam::aws:policy/...`) exist in every real account. moto can
load all ~1,300 of them into every account it creates, which costs seconds per account and
hundreds of megabytes in the saved local cloud; instead, the one policy a deploy attaches is
added to that account from moto's own copy of AWS's policy documents.
- S3 server access logging: moto's check that the target bucket's policy admits the logging
  service fails with HTTP 500 on any statement whose principal is "*" (every policy that
  denies insecure transport has one). `install()` replaces that check with one that reads
  principals, actions and resources in every form IAM allows.

This works because the emulator runs in this process (`pcizone.local.emulator`).
"""

from __future__ import annotations

import functools
import json
import threading
from typing import Any

AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"
LOGGING_SERVICE = "logging.s3.amazonaws.com"
_PARTITION = "aws"
_lock = threading.Lock()


def install() -> None:
    """Apply the fixes above to moto (idempotent)."""
    from moto.s3.models import FakeBucket

    FakeBucket._log_permissions_enabled_policy = staticmethod(logging_allowed_by_policy)  # type: ignore[method-assign]


def logging_allowed_by_policy(target_bucket: Any, target_prefix: str | None) -> bool:
    """Does the target bucket's policy let S3's logging service put objects under the prefix?"""
    if not target_bucket.policy:
        return False
    bucket = f"arn:{target_bucket.partition}:s3:::{target_bucket.name}"
    accepted = {f"{bucket}/{target_prefix or ''}*", f"{bucket}/*", bucket}
    for statement in _as_list(json.loads(target_bucket.policy.decode()).get("Statement")):
        principal = statement.get("Principal")
        services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
        actions = _as_list(statement.get("Action"))
        if (
            statement.get("Effect") == "Allow"
            and LOGGING_SERVICE in services
            and ({"s3:PutObject", "s3:*", "*"} & set(actions))
            and accepted & set(_as_list(statement.get("Resource")))
        ):
            return True
    return False


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


class UnknownManagedPolicy(LookupError):
    pass


def is_aws_managed_policy(arn: str) -> bool:
    return arn.startswith(AWS_MANAGED_PREFIX)


def ensure_aws_managed_policy(account_id: str, arn: str) -> None:
    """Make the AWS managed policy `arn` attachable in `account_id` (no-op if it already is)."""
    from moto.iam.models import AWSManagedPolicy, iam_backends

    name = arn.rsplit("/", 1)[-1]
    data = _aws_policies().get(name)
    if data is None:
        raise UnknownManagedPolicy(f"{arn} is not an AWS managed policy known to the emulator")
    backend = iam_backends[account_id][_PARTITION]
    with _lock:
        if arn in backend.managed_policies:
            return
        policy = AWSManagedPolicy.from_data(name, account_id, backend.region_name, data)
        if policy.arn != arn:
            raise UnknownManagedPolicy(f"{arn}: the emulator knows it as {policy.arn}")
        backend.aws_managed_policies.append(policy)
        backend.managed_policies[policy.arn] = policy


@functools.cache
def _aws_policies() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    parsed: dict[str, Any] = json.loads(aws_managed_policies_data)
    return parsed
