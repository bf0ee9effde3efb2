-- Messages the worker gave up on, as the DLQ auditor found them, and what became of each.
-- The body is kept as a hash and a short masked excerpt: a poison message may hold anything.

CREATE TABLE dead_letters (
    message_id        text PRIMARY KEY,
    payment_id        text,  -- no foreign key: a poison message may name no real payment
    reason            text NOT NULL,
    receive_count     integer NOT NULL CHECK (receive_count >= 0),
    first_received_at timestamptz,  -- SQS ApproximateFirstReceiveTimestamp
    sent_at           timestamptz,  -- SQS SentTimestamp
    first_seen_at     timestamptz NOT NULL DEFAULT now(),  -- first recorded by the auditor
    last_seen_at      timestamptz NOT NULL DEFAULT now(),
    times_seen        integer NOT NULL DEFAULT 1,
    body_sha256       bytea NOT NULL CHECK (octet_length(body_sha256) = 32),
    body_excerpt      text NOT NULL,
    resolution        text NOT NULL DEFAULT 'open'
                      CHECK (resolution IN ('open', 'redriven', 'skipped')),
    resolution_detail text,
    resolved_at       timestamptz
);

CREATE INDEX dead_letters_open ON dead_letters (first_seen_at) WHERE resolution = 'open';
