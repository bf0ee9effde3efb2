-- Payments as clients created them, and each one's history of status changes.
-- Ids are minted by the API (`pay_` + base32); card data never reaches these tables: the
-- payment method is a processor token (PCI DSS 3.2.1).

CREATE TABLE payments (
    id                        text PRIMARY KEY CHECK (id ~ '^pay_[a-z2-7]{26}$'),
    status                    text NOT NULL DEFAULT 'pending'
                              CHECK (status IN ('pending', 'settled', 'declined', 'failed')),
    amount_minor              bigint NOT NULL CHECK (amount_minor > 0),
    currency                  text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    merchant_reference        text NOT NULL CHECK (length(merchant_reference) BETWEEN 1 AND 64),
    customer_reference        text NOT NULL CHECK (length(customer_reference) BETWEEN 1 AND 64),
    payment_method            text NOT NULL CHECK (payment_method ~ '^(pm|tok)_[A-Za-z0-9_]+$'),
    -- Every charge attempt for this payment sends this key to the processor.
    processor_idempotency_key text NOT NULL UNIQUE,
    attempts                  integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX payments_unsettled ON payments (created_at) WHERE status = 'pending';

-- A payment that reached a final status keeps it: a late or duplicate message cannot undo it.
CREATE FUNCTION payments_final_status_is_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'pending' AND NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'payment % is % and cannot become %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER payments_final_status
    BEFORE UPDATE OF status ON payments
    FOR EACH ROW EXECUTE FUNCTION payments_final_status_is_final();

CREATE TABLE payment_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id text NOT NULL REFERENCES payments (id),
    status     text NOT NULL,
    event      text NOT NULL,
    detail     text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX payment_events_by_payment ON payment_events (payment_id, id);
