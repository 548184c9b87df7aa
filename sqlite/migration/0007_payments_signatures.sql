-- Payments, signatures and closed-loop reads: the resources that payment
-- and signature instructions complete with. An instruction now names its
-- result by id and kind (the rel of the link to it).
ALTER TABLE instructions RENAME COLUMN refund_id TO result_id;
ALTER TABLE instructions ADD COLUMN result_rel TEXT NOT NULL DEFAULT '';
ALTER TABLE instructions ADD COLUMN sale TEXT; -- what the cardholder chose for a payment, as JSON
UPDATE instructions SET result_rel = 'refund' WHERE result_id IS NOT NULL;

CREATE TABLE payments (
    id                     TEXT PRIMARY KEY,
    merchant_id            TEXT NOT NULL REFERENCES merchants (id),
    instruction_id         TEXT NOT NULL UNIQUE REFERENCES instructions (id), -- at most one payment per instruction
    processing_terminal_id TEXT NOT NULL,
    order_id               TEXT NOT NULL,
    amount                 INTEGER NOT NULL,
    currency               TEXT NOT NULL,
    date_time              INTEGER NOT NULL,
    body                   TEXT NOT NULL -- the payment as Payroc shows it, as JSON; its card is masked
) STRICT;
CREATE INDEX payments_merchant ON payments (merchant_id, date_time);

CREATE TABLE signatures (
    id                     TEXT PRIMARY KEY,
    merchant_id            TEXT NOT NULL REFERENCES merchants (id),
    instruction_id         TEXT NOT NULL UNIQUE REFERENCES instructions (id),
    processing_terminal_id TEXT NOT NULL,
    created_at             INTEGER NOT NULL,
    content_type           TEXT NOT NULL,
    image                  BLOB NOT NULL
) STRICT;

CREATE TABLE closed_loop_reads (
    id                     TEXT PRIMARY KEY,
    merchant_id            TEXT NOT NULL REFERENCES merchants (id),
    instruction_id         TEXT NOT NULL UNIQUE REFERENCES instructions (id),
    processing_terminal_id TEXT NOT NULL,
    read_at                INTEGER NOT NULL,
    data                   TEXT NOT NULL -- what the device read, as JSON; card numbers in it are masked
) STRICT;
