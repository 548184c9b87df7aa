-- Payments, signatures and closed-loop reads: the resources that payment
-- and signature instructions complete with. An instruction now names its
-- result by id and kind (the rel of the link to it).
ALTER TABLE instructions RENAME COLUMN refund_id TO result_id;
ALTER TABLE instructions ADD COLUMN result_rel text NOT NULL DEFAULT '';
ALTER TABLE instructions ADD COLUMN sale jsonb; -- what the cardholder chose for a payment
UPDATE instructions SET result_rel = 'refund' WHERE result_id IS NOT NULL;

CREATE TABLE payments (
    id                     text PRIMARY KEY,
    merchant_id            text NOT NULL REFERENCES merchants (id),
    instruction_id         text NOT NULL UNIQUE REFERENCES instructions (id), -- at most one payment per instruction
    processing_terminal_id text NOT NULL,
    order_id               text NOT NULL,
    amount                 bigint NOT NULL,
    currency               text NOT NULL,
    date_time              timestamptz NOT NULL,
    body                   jsonb NOT NULL -- the payment as Payroc shows it; its card is masked
);
CREATE INDEX payments_merchant ON payments (merchant_id, date_time);

CREATE TABLE signatures (
    id                     text PRIMARY KEY,
    merchant_id            text NOT NULL REFERENCES merchants (id),
    instruction_id         text NOT NULL UNIQUE REFERENCES instructions (id),
    processing_terminal_id text NOT NULL,
    created_at             timestamptz NOT NULL,
    content_type           text NOT NULL,
    image                  bytea NOT NULL
);

CREATE TABLE closed_loop_reads (
    id                     text PRIMARY KEY,
    merchant_id            text NOT NULL REFERENCES merchants (id),
    instruction_id         text NOT NULL UNIQUE REFERENCES instructions (id),
    processing_terminal_id text NOT NULL,
    read_at                timestamptz NOT NULL,
    data                   jsonb NOT NULL -- what the device read; card numbers in it are masked
);
