"""Safe redrive: re-send only payments that are still unsettled, after checking the ledger.

    python -m payments.ops.redrive --dlq-url URL [--queue-url URL] [--dsn DSN] [--dry-run] [--json]

Looks at two places: messages still on the dead-letter queue (recorded as dead letters first,
then deleted once handled), and dead letters the auditor recorded that are still open. For
each it re-reads the payment and the ledger:

- no payment id in the message, or no such payment: skipped, nothing could settle it;
- settled, declined or failed: skipped, re-sending could only produce a duplicate delivery;
- pending but with a charge or ledger posting: skipped as inconsistent, for a human;
- pending for longer than the processor keeps idempotency keys (24 h at Stripe, so 23 h
  here): skipped, for a human to look the payment up at the processor first. A re-send would
  carry a key the processor has forgotten, and charge again if the first attempt (say, one
  that timed out) did charge;
- pending: a fresh message `{"payment_id": ...}` goes to the main queue (once per payment and
  run). The worker is idempotent, so even a concurrent original delivery charges only once,
  and a charge whose answer was lost (a timeout) is replayed by the processor and posted.

A dry run changes nothing: no sends, no deletes, no database writes; messages it received are
made visible again at once. The report lists every message and why it was skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import psycopg

from payments import dead_letters, store
from payments.db.connection import Connection
from payments.dead_letters import DeadLetter
from payments.fifo import send_arguments
from payments.messages import message_body

Action = Literal["redriven", "would_redrive", "skipped"]
_RECEIVE_BATCH = 10
_HOLD_SECONDS = 120  # how long a received DLQ message stays hidden while we handle it
# Processors forget idempotency keys (Stripe after 24 h); an hour of margin for clock and lag.
PROCESSOR_KEY_WINDOW = timedelta(hours=23)


@dataclass(frozen=True)
class RedriveItem:
    message_id: str
    payment_id: str | None
    action: Action
    reason: str


@dataclass
class RedriveReport:
    dry_run: bool
    items: list[RedriveItem] = field(default_factory=list)

    @property
    def redriven(self) -> list[RedriveItem]:
        return [i for i in self.items if i.action in {"redriven", "would_redrive"}]

    @property
    def skipped(self) -> list[RedriveItem]:
        return [i for i in self.items if i.action == "skipped"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "redriven": len(self.redriven),
            "skipped": len(self.skipped),
            "items": [asdict(i) for i in self.items],
        }

    def lines(self) -> list[str]:
        verb = "would redrive" if self.dry_run else "redriven"
        out = [f"{verb}: {len(self.redriven)}, skipped: {len(self.skipped)}"]
        out += [f"  {i.action:13} {i.payment_id or '-':30} {i.reason}" for i in self.items]
        return out


def redrive(
    conn: Connection,
    sqs: Any,
    dlq_url: str,
    queue_url: str,
    *,
    dry_run: bool,
    max_messages: int = 1000,
) -> RedriveReport:
    """Redrive what is safe to redrive; `conn` must be in autocommit mode (see Database)."""
    report = RedriveReport(dry_run)
    redriven_by: dict[str, str] = {}  # payment id -> message id that redrove it in this run
    seen: set[str] = set()
    to_release: list[str] = []
    try:
        while len(seen) < max_messages:
            messages = sqs.receive_message(
                QueueUrl=dlq_url,
                MaxNumberOfMessages=min(_RECEIVE_BATCH, max_messages - len(seen)),
                WaitTimeSeconds=0,
                VisibilityTimeout=_HOLD_SECONDS,
                MessageSystemAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                break
            for message in messages:
                if message["MessageId"] in seen:
                    continue
                seen.add(message["MessageId"])
                with conn.transaction():
                    letter = dead_letters.from_sqs_message(conn, message)
                    if not dry_run:
                        dead_letters.record(conn, letter)
                    item = _handle(conn, sqs, queue_url, letter, dry_run, redriven_by)
                report.items.append(item)
                if dry_run:
                    to_release.append(message["ReceiptHandle"])
                else:
                    sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
    finally:
        for receipt in to_release:
            sqs.change_message_visibility(
                QueueUrl=dlq_url, ReceiptHandle=receipt, VisibilityTimeout=0
            )
    with conn.transaction():
        # Letters are keyed by their stored id (hashed when the raw id cannot be stored).
        handled = {dead_letters.stored_message_id(m) for m in seen}
        for letter in _open_letters(conn, exclude=handled, limit=max_messages):
            report.items.append(_handle(conn, sqs, queue_url, letter, dry_run, redriven_by))
    return report


def _open_letters(conn: Connection, exclude: set[str], limit: int) -> list[DeadLetter]:
    rows = conn.execute(
        "SELECT message_id, payment_id, reason, receive_count, first_received_at, sent_at,"
        " body_sha256, body_excerpt FROM dead_letters WHERE resolution = 'open'"
        " AND NOT (message_id = ANY(%s)) ORDER BY first_seen_at LIMIT %s"
        " FOR UPDATE SKIP LOCKED",
        (list(exclude), limit),
    ).fetchall()
    return [DeadLetter(r[0], r[1], r[2], r[3], r[4], r[5], bytes(r[6]), r[7]) for r in rows]


def _handle(
    conn: Connection,
    sqs: Any,
    queue_url: str,
    letter: DeadLetter,
    dry_run: bool,
    redriven_by: dict[str, str],
) -> RedriveItem:
    decision, reason = _decide(conn, letter, redriven_by)
    action: Action = decision
    if decision == "redriven":
        redriven_by[str(letter.payment_id)] = letter.message_id
        if dry_run:
            action = "would_redrive"
        else:
            payment_id = str(letter.payment_id)
            # Not the body's hash: on a FIFO queue the original send may still be inside the
            # 5-minute deduplication window, and SQS would drop this copy while answering OK.
            fifo = send_arguments(
                queue_url, group_id=payment_id, deduplication_id=f"redrive-{letter.message_id}"
            )
            sqs.send_message(QueueUrl=queue_url, MessageBody=message_body(payment_id), **fifo)
    if not dry_run:
        dead_letters.resolve(conn, letter.message_id, decision, reason)
    return RedriveItem(letter.message_id, letter.payment_id, action, reason)


def _decide(
    conn: Connection, letter: DeadLetter, redriven_by: dict[str, str]
) -> tuple[Literal["redriven", "skipped"], str]:
    if letter.payment_id is None:
        return "skipped", "malformed message: it names no payment"
    payment = store.get_payment(conn, letter.payment_id)
    if payment is None:
        return "skipped", "unknown payment"
    charged = conn.execute(
        "SELECT (SELECT count(*) FROM charges WHERE payment_id = %s),"
        " (SELECT count(*) FROM ledger_entries WHERE payment_id = %s)",
        (payment.id, payment.id),
    ).fetchone()
    has_charge = charged is not None and (charged[0] > 0 or charged[1] > 0)
    if payment.status != "pending":
        if payment.status == "settled" and not has_charge:
            return "skipped", "settled without a ledger posting: investigate"
        return "skipped", f"already {payment.status}"
    if has_charge:
        return "skipped", "pending but the ledger holds a charge: investigate"
    if payment.id in redriven_by:
        return "skipped", f"already redriven in this run (message {redriven_by[payment.id]})"
    if datetime.now(UTC) - payment.created_at > PROCESSOR_KEY_WINDOW:
        hours = PROCESSOR_KEY_WINDOW.total_seconds() / 3600
        return "skipped", (
            f"pending for over {hours:g} h, beyond the processor's idempotency window:"
            " look the payment up at the processor before re-sending"
        )
    return "redriven", "pending and not charged: re-sent to the queue"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m payments.ops.redrive", description=__doc__)
    parser.add_argument("--dlq-url", required=True, help="dead-letter queue URL")
    parser.add_argument(
        "--queue-url",
        default=os.environ.get("PAYMENTS_QUEUE_URL"),
        help="main queue URL (default: PAYMENTS_QUEUE_URL)",
    )
    parser.add_argument("--dsn", help="libpq connection string (default: PAYMENTS_DB_* variables)")
    parser.add_argument(
        "--region", default=os.environ.get("AWS_REGION"), help="AWS region (default: AWS_REGION)"
    )
    parser.add_argument("--dry-run", action="store_true", help="report only; change nothing")
    parser.add_argument("--max-messages", type=int, default=1000)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if not args.queue_url:
        parser.error("--queue-url is required when PAYMENTS_QUEUE_URL is not set")
    if not args.region:
        parser.error("--region is required when AWS_REGION is not set")
    from payments import aws
    from payments.config import ConfigError

    try:
        with _connect(args.dsn) as conn:
            report = redrive(
                conn,
                aws.client("sqs", args.region),
                args.dlq_url,
                args.queue_url,
                dry_run=args.dry_run,
                max_messages=args.max_messages,
            )
    except ConfigError as exc:
        print(f"redrive: {exc}", file=sys.stderr)
        return 2
    except (psycopg.Error, OSError) as exc:
        print(f"redrive: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    except Exception as exc:  # botocore errors: one line, no traceback
        print(f"redrive: {type(exc).__name__}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    print(json.dumps(report.as_dict(), indent=2) if args.json else "\n".join(report.lines()))
    return 0


def _connect(dsn: str | None) -> Connection:
    from payments.db.connection import connect, connect_dsn

    if dsn:
        return connect_dsn(dsn, "payments-redrive")
    from payments.config import load_settings

    return connect(load_settings(), "payments-redrive")


if __name__ == "__main__":
    raise SystemExit(main())
