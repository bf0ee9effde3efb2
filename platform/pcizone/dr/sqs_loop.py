"""A small in-process SQS event source for the queue drill: receive, invoke, delete.

It follows the local runtime's event-source semantics by reusing its event and answer code
(`pcizone.local.runtime.sqs_event`): Lambda-shaped records, partial batch responses, delete
what succeeded, leave what failed for SQS to redeliver and, after maxReceiveCount receives,
move to the dead-letter queue. The handlers run in this process, so the drill can time each
message; the local runtime runs them in Lambda containers instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from pcizone.local.runtime.sqs_event import judge_answer, sqs_event

Handler = Callable[[dict[str, Any]], object]


class SqsLoop:
    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        region: str,
        handler: Handler,
        *,
        on_message: Callable[[Mapping[str, Any], bool, float], None] | None = None,
        idle_sleep: float = 0.01,
    ) -> None:
        self._sqs = sqs
        self._url = queue_url
        self._arn = queue_arn
        self._region = region
        self._handler = handler
        self._on_message = on_message or (lambda _m, _failed, _at: None)
        self._idle = idle_sleep
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None
        self.batches = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"sqs-{self._arn}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if not self.poll_once():
                    self._stop.wait(self._idle)
        except Exception as exc:  # reported by the drill; a loop that died must not hide
            self.error = f"{type(exc).__name__}: {exc}"

    def poll_once(self) -> bool:
        """One receive and invoke; False when the queue had nothing to give."""
        messages = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return False
        self.batches += 1
        ids = [m["MessageId"] for m in messages]
        answer = self._handler(sqs_event(messages, self._arn, self._region))
        verdict = judge_answer(answer, ids, True)
        now = time.monotonic()
        done = [m for m in messages if not verdict.failed(m["MessageId"])]
        for message in messages:
            self._on_message(message, verdict.failed(message["MessageId"]), now)
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
                ],
            )
        return True
