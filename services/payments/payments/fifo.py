"""What a send to a FIFO queue needs beyond the body: a message group and a deduplication id.

SQS refuses a send to a FIFO queue (its name ends in `.fifo`) without `MessageGroupId`, and
without `MessageDeduplicationId` unless the queue deduplicates on content. Messages of one
group are delivered in order and one batch at a time, so the group is the payment: each
payment's messages keep their order while different payments are worked on in parallel (one
group for the whole queue would serialise it). The id is always given, so a send means the
same whether or not the queue has content-based deduplication.
"""

from __future__ import annotations

import hashlib

FIFO_SUFFIX = ".fifo"


def is_fifo(queue_url: str) -> bool:
    return queue_url.endswith(FIFO_SUFFIX)


def content_deduplication_id(body: str) -> str:
    """The id SQS's content-based deduplication would use: the SHA-256 of the body."""
    return hashlib.sha256(body.encode()).hexdigest()


def send_arguments(queue_url: str, *, group_id: str, deduplication_id: str) -> dict[str, str]:
    """Extra `send_message` arguments for `queue_url`: none for a standard queue."""
    if not is_fifo(queue_url):
        return {}
    return {"MessageGroupId": group_id, "MessageDeduplicationId": deduplication_id}
