"""Idempotency records for POST /payments.

Only hashes are stored: the SHA-256 of the caller's identity (from the API Gateway authorizer)
with the client's key, and of the validated request in a canonical form (so key order and whitespace do not make two equal requests differ). The
record is written in the same transaction as the payment; a second request with the same key
waits for that transaction, then replays its response, so the stored response is complete
whenever it is visible.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from psycopg.types.json import Json

from payments.db.connection import Connection
from payments.models import CreatePayment


@dataclass(frozen=True)
class StoredResponse:
    request_hash: bytes
    status: int
    body: dict[str, object]


def key_hash(principal: str, key: str) -> bytes:
    """Keys are scoped to the caller: one client can never replay another's response."""
    # surrogatepass: an authorizer claim can carry a lone surrogate (a JSON escape); strict
    # UTF-8 would turn that request into a 500, and a lossy encoding could merge two callers.
    return hashlib.sha256(f"{principal}\n{key}".encode("utf-8", "surrogatepass")).digest()


def request_hash(request: CreatePayment) -> bytes:
    canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).digest()


def find(conn: Connection, key: bytes) -> StoredResponse | None:
    """The live (unexpired) record for `key`; an expired one is deleted so the key is free."""
    conn.execute(
        "DELETE FROM idempotency_records WHERE key_hash = %s AND expires_at <= now()", (key,)
    )
    row = conn.execute(
        "SELECT request_hash, response_status, response_body FROM idempotency_records"
        " WHERE key_hash = %s",
        (key,),
    ).fetchone()
    if row is None:
        return None
    return StoredResponse(bytes(row[0]), int(row[1]), dict(row[2]))


def store(
    conn: Connection,
    key: bytes,
    request: bytes,
    payment_id: str,
    status: int,
    body: dict[str, object],
    ttl_days: int,
) -> bool:
    """Insert the record; False if another transaction committed the same key first.

    Blocks while a concurrent transaction holds the same key (bounded by lock_timeout).
    """
    inserted = conn.execute(
        "INSERT INTO idempotency_records (key_hash, request_hash, payment_id, response_status,"
        " response_body, expires_at) VALUES (%s, %s, %s, %s, %s, now() + make_interval(days => %s))"
        " ON CONFLICT (key_hash) DO NOTHING RETURNING 1",
        (key, request, payment_id, status, Json(body, dumps=_compact), ttl_days),
    ).fetchone()
    return inserted is not None


def _compact(value: object) -> str:
    # The same separators as the HTTP layer, so a replay is the original response byte for byte.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def purge_expired(conn: Connection, limit: int = 1000) -> int:
    """Delete up to `limit` expired records; returns how many went."""
    cursor = conn.execute(
        "DELETE FROM idempotency_records WHERE key_hash IN (SELECT key_hash FROM"
        " idempotency_records WHERE expires_at <= now() ORDER BY expires_at LIMIT %s)",
        (limit,),
    )
    return cursor.rowcount
