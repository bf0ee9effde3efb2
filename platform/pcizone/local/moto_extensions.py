"""What the emulator lacks or gets wrong that a deploy needs, fixed in-process.

- AWS managed policies (`arn:aws:iam::aws:policy/...`) exist in every real account. moto can
load all ~1,300 of them into every account it creates, which costs seconds per account and
hundreds of megabytes in the saved local cloud; instead, the one policy a deploy attaches is
added to that account from moto's own copy of AWS's policy documents.
- Speed: moto's SQS recounts whole queues on every call (`speed_up`), which made deep queues
  crawl.
- S3 server access logging: moto's check that the target bucket's policy admits the logging
  service fails with HTTP 500 on any statement whose principal is "*" (every policy that
  denies insecure transport has one). `install()` replaces that check with one that reads
  principals, actions and resources in every form IAM allows.

This works because the emulator runs in this process (`pcizone.local.emulator`).
"""

from __future__ import annotations

import datetime
import functools
import json
import threading
import time
from typing import Any

AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"
LOGGING_SERVICE = "logging.s3.amazonaws.com"
_PARTITION = "aws"
_lock = threading.Lock()


def install() -> None:
    """Apply the fixes above to moto (idempotent)."""
    from moto.s3.models import FakeBucket

    FakeBucket._log_permissions_enabled_policy = staticmethod(logging_allowed_by_policy)  # type: ignore[method-assign]
    speed_up()


def speed_up() -> None:
    """moto's SQS and request routing without their per-call waste (idempotent).

    SendMessage and ReceiveMessage (per message, for its retention check) compute every queue
    attribute, which counts all messages of the queue four times, reading the clock through
    datetime arithmetic for each: 8 ms of CPU per send with a few hundred messages queued. Here
    the SQS model reads the clock with `time.time()`, each count reads it once per pass, and the
    retention check reads the retention period directly. DeleteMessage reads every message's
    receipt handles twice per handle deleted; once here. Every request lists moto's package
    directory to route it, and lists the methods of its handler class; both are computed once.
    """
    import moto.backends
    import moto.sqs.models as sqs_models
    from moto.core import responses
    from moto.core.utils import unix_time as moto_unix_time
    from moto.sqs.exceptions import ReceiptHandleIsInvalid

    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]

    def unix_time(dt: datetime.datetime | None = None) -> float:
        return time.time() if dt is None else moto_unix_time(dt)

    def unix_time_millis(dt: datetime.datetime | None = None) -> float:
        return unix_time(dt) * 1000.0

    sqs_models.unix_time = unix_time  # type: ignore[attr-defined]
    sqs_models.unix_time_millis = unix_time_millis  # type: ignore[attr-defined]

    def retained(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        retain_until = int(queue.message_retention_period) + message.sent_timestamp / 1000
        return bool(retain_until > time.time())

    sqs_models.SQSBackend.is_message_valid_based_on_retention_period = retained  # type: ignore[method-assign]

    # As Message.visible and Message.delayed decide, with the clock read once per pass.
    def messages(self: Any) -> list[Any]:
        now = time.time() * 1000
        return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

    def not_visible(self: Any) -> int:
        now = time.time() * 1000
        return sum(1 for m in self._messages if not now > m.visible_at)

    def delayed(self: Any) -> int:
        now = time.time() * 1000
        return sum(1 for m in self._messages if now < m.delayed_until)

    def delete_message(self: Any, receipt_handle: str) -> None:
        """As moto's, in one pass instead of two, each reading every message's handles."""
        if receipt_handle in self.deleted_messages:
            return  # already deleted: deleting again succeeds
        kept, found = [], False
        for message in self._messages:
            if message.receipt_handle == receipt_handle or (
                receipt_handle in message._old_receipt_handles
            ):
                found = True
                self.pending_messages.discard(message)
                self.deleted_messages.update(message.all_receipt_handles)
            else:
                kept.append(message)
        if not found:
            raise ReceiptHandleIsInvalid()
        self._messages = kept

    queue_class: Any = sqs_models.Queue
    queue_class.delete_message = delete_message
    queue_class.messages = property(messages)
    queue_class.approximate_number_of_messages_not_visible = property(not_visible)
    queue_class.approximate_number_of_messages_delayed = property(delayed)
    responses.method_names_from_class = functools.cache(responses.method_names_from_class)  # type: ignore[attr-defined]


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
