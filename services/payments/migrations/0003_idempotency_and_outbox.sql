-- Idempotency records for POST /payments, and the outbox that feeds the queue.
--
-- A record keeps the SHA-256 of the client's Idempotency-Key and of the validated request,
-- and the response to replay. It must outlive every copy of the request that can still
-- arrive: SQS keeps messages up to 14 days and a redrive may follow, hence at least 15 days.
--
-- The outbox row is written in the same transaction as the payment, so a payment is never
-- committed without its message; the API sends it right after commit and marks it sent, and
-- the relay re-sends rows that stayed unsent (SQS down, Lambda killed after commit).

CREATE TABLE idempotency_records (
    key_hash        bytea PRIMARY KEY CHECK (octet_length(key_hash) = 32),
    request_hash    bytea NOT NULL CHECK (octet_length(request_hash) = 32),
    payment_id      text NOT NULL REFERENCES payments (id),
    response_status smallint NOT NULL CHECK (response_status BETWEEN 200 AND 299),
    response_body   json NOT NULL,  -- json, not jsonb: replays are byte-identical
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    CHECK (expires_at >= created_at + interval '15 days')
);

CREATE INDEX idempotency_records_expiry ON idempotency_records (expires_at);

CREATE TABLE outbox (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id    text NOT NULL REFERENCES payments (id),
    body          jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz,
    send_attempts integer NOT NULL DEFAULT 0,
    last_error    text
);

CREATE INDEX outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;
