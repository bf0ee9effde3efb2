-- Charges and the double-entry ledger they post.
--
-- One charge per payment (primary key) and per processor idempotency key (unique): however
-- often a message is delivered, a payment settles once. A settled charge posts one balanced
-- pair: debit processor_clearing (the processor owes us), credit merchant_payable (we owe the
-- merchant). Debits equal credits per payment and currency, checked when the transaction
-- commits; entries are append-only.

CREATE TABLE charges (
    payment_id          text PRIMARY KEY REFERENCES payments (id),
    processor           text NOT NULL,
    processor_charge_id text NOT NULL,
    idempotency_key     text NOT NULL UNIQUE,
    amount_minor        bigint NOT NULL CHECK (amount_minor > 0),
    currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (processor, processor_charge_id)
);

CREATE TABLE ledger_entries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id   text NOT NULL REFERENCES payments (id),
    posting      text NOT NULL CHECK (posting IN ('settlement')),
    account      text NOT NULL CHECK (account IN ('processor_clearing', 'merchant_payable')),
    direction    text NOT NULL CHECK (direction IN ('debit', 'credit')),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (payment_id, posting, direction)
);

CREATE FUNCTION ledger_check_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1
        FROM ledger_entries
        WHERE payment_id = NEW.payment_id
        GROUP BY currency
        HAVING sum(CASE direction WHEN 'debit' THEN amount_minor ELSE -amount_minor END) <> 0
    ) THEN
        RAISE EXCEPTION 'ledger entries of payment % do not balance', NEW.payment_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (
        SELECT 1 FROM payments p
        WHERE p.id = NEW.payment_id AND p.currency <> NEW.currency
    ) THEN
        RAISE EXCEPTION 'ledger entry currency differs from payment %', NEW.payment_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;

-- Deferred to commit: the two legs of a posting are inserted one after the other.
CREATE CONSTRAINT TRIGGER ledger_balanced
    AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

CREATE FUNCTION refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER ledger_entries_append_only
    BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ledger_entries_no_truncate
    BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER charges_append_only
    BEFORE UPDATE OR DELETE ON charges
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER charges_no_truncate
    BEFORE TRUNCATE ON charges
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
