"""Fault injectors that act on a running harness from outside, as an operator's bad day would.

Each runs in its own thread until `stop()`, records what it did, and touches only what the
harness started: its PostgreSQL server, its worker processes, its queues.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field

import psycopg

from pcizone.local.chaos.harness import WORKER, Harness

# A card number in a poison message: it must be masked wherever the message is recorded.
POISON_CARD_NUMBER = "4111 1111 1111 1111"
POISON_BODIES = (
    "not json at all",
    '{"payment_id": "pay_doesnotexist0000000000"}',
    '{"payment_id": 12}',
    "[1, 2, 3]",
    '{"payment_id": "pay_x", "card": "' + POISON_CARD_NUMBER + '"}',
    "{" * 5000,
)


@dataclass
class InjectionLog:
    connections_terminated: int = 0
    restarts: int = 0
    restart_seconds: list[float] = field(default_factory=list)
    workers_killed: int = 0
    duplicates_sent: int = 0
    poison_sent: list[str] = field(default_factory=list)  # message ids
    relay_runs: int = 0


class Injectors:
    def __init__(self, harness: Harness, log: InjectionLog, seed: int) -> None:
        self.harness = harness
        self.log = log
        self._random = random.Random(seed)  # noqa: S311 - reproducible faults, not secrets
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pg_lock = threading.Lock()  # a restart and a terminate never overlap

    def every(self, seconds: float, action: str) -> None:
        work = {
            "drop_connections": self.drop_connections,
            "kill_worker": self.kill_worker,
            "relay_outbox": self.relay_outbox,
        }[action]

        def loop() -> None:
            while not self._stop.wait(seconds):
                with contextlib.suppress(Exception):  # a fault injector must not end the run
                    work()

        thread = threading.Thread(target=loop, name=f"chaos-{action}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(15.0)

    def drop_connections(self) -> None:
        """pg_terminate_backend on about half of the application's connections."""
        with self._pg_lock, self.harness.admin() as conn:
            conn.autocommit = True
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name LIKE 'payments-%%' AND pid <> pg_backend_pid()"
                " AND random() < 0.5"
            ).fetchall()
        self.log.connections_terminated += sum(1 for r in rows if r[0])

    def restart_postgres(self, down_seconds: float = 0.5) -> None:
        """A fast shutdown (every connection dropped, transactions rolled back), then start."""
        with self._pg_lock:
            started = time.monotonic()
            self.harness.postgres.stop("fast", timeout=30.0)
            time.sleep(down_seconds)
            self.harness.postgres.start()
            self.log.restarts += 1
            self.log.restart_seconds.append(round(time.monotonic() - started, 2))

    def kill_worker(self) -> None:
        """SIGKILL one busy worker environment, mid-batch."""
        assert self.harness.runtime is not None
        busy = [
            e for e in self.harness.runtime.environments() if e.function_name == WORKER and e.busy
        ]
        if busy:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._random.choice(busy).pid, signal.SIGKILL)
                self.log.workers_killed += 1

    def relay_outbox(self) -> None:
        """The outbox relay's schedule (EventBridge's job in AWS)."""
        assert self.harness.runtime is not None
        self.harness.runtime.invoke("payments-outbox-relay", {})
        self.log.relay_runs += 1

    def send_duplicates(self, payment_ids: list[str]) -> None:
        """Re-send the exact message body of payments already queued: duplicate deliveries."""
        from payments.messages import message_body

        sqs = self.harness.sqs_admin()
        for payment_id in payment_ids:
            sqs.send_message(QueueUrl=self.harness.queue_url, MessageBody=message_body(payment_id))
            self.log.duplicates_sent += 1

    def send_poison(self) -> None:
        sqs = self.harness.sqs_admin()
        for body in POISON_BODIES:
            answer = sqs.send_message(QueueUrl=self.harness.queue_url, MessageBody=body)
            self.log.poison_sent.append(str(answer["MessageId"]))


def database_reachable(dsn: str) -> bool:
    try:
        with psycopg.connect(dsn, connect_timeout=2):
            return True
    except psycopg.Error:
        return False
