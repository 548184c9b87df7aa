-- Ferry's first schema. Times are microseconds since the Unix epoch (UTC);
-- NULL stands for "not set".

CREATE TABLE merchants (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    prefix      TEXT NOT NULL,
    hash        BLOB NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
) STRICT;
CREATE INDEX api_keys_merchant ON api_keys (merchant_id);

CREATE TABLE tokens (
    hash        BLOB PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    api_key_id  TEXT NOT NULL REFERENCES api_keys (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX tokens_expires ON tokens (expires_at);
CREATE INDEX tokens_api_key ON tokens (api_key_id);

CREATE TABLE devices (
    id                     TEXT PRIMARY KEY,
    merchant_id            TEXT NOT NULL REFERENCES merchants (id),
    serial_number          TEXT NOT NULL,
    processing_terminal_id TEXT NOT NULL,
    simulated              INTEGER NOT NULL DEFAULT 0,
    model                  TEXT NOT NULL DEFAULT '',
    created_at             INTEGER NOT NULL,
    last_seen_at           INTEGER,
    UNIQUE (merchant_id, serial_number)
) STRICT;

CREATE TABLE instructions (
    id               TEXT PRIMARY KEY,
    merchant_id      TEXT NOT NULL REFERENCES merchants (id),
    device_id        TEXT NOT NULL REFERENCES devices (id),
    kind             TEXT NOT NULL,
    phase            TEXT NOT NULL,
    version          INTEGER NOT NULL,
    request          TEXT NOT NULL, -- the validated request as JSON; it never holds card data
    amount           INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    order_id         TEXT NOT NULL,
    lease_token      INTEGER NOT NULL DEFAULT 0,
    lease_session    TEXT NOT NULL DEFAULT '',
    lease_expires_at INTEGER,
    deadline_at      INTEGER,
    due_at           INTEGER, -- min(deadline_at, lease_expires_at) while active, else NULL
    card             TEXT,    -- the masked card as JSON, from the card read on
    refund_id        TEXT,
    error_message    TEXT NOT NULL DEFAULT '',
    canceled_by      TEXT NOT NULL DEFAULT '',
    stop_acked       INTEGER NOT NULL DEFAULT 1,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
-- A device runs one instruction at a time.
CREATE UNIQUE INDEX instructions_device_active ON instructions (device_id)
    WHERE phase IN ('queued', 'delivered', 'authorizing');
CREATE INDEX instructions_due ON instructions (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX instructions_unacked ON instructions (device_id) WHERE stop_acked = 0;
CREATE INDEX instructions_device ON instructions (device_id, created_at);

CREATE TABLE refunds (
    id                      TEXT PRIMARY KEY,
    merchant_id             TEXT NOT NULL REFERENCES merchants (id),
    instruction_id          TEXT NOT NULL UNIQUE REFERENCES instructions (id), -- at most one refund per instruction
    processing_terminal_id  TEXT NOT NULL,
    operator                TEXT NOT NULL,
    order_id                TEXT NOT NULL,
    description             TEXT NOT NULL,
    amount                  INTEGER NOT NULL,
    currency                TEXT NOT NULL,
    date_time               INTEGER NOT NULL,
    customer                TEXT, -- JSON
    card_type               TEXT NOT NULL,
    card_entry_method       TEXT NOT NULL,
    cardholder_name         TEXT NOT NULL,
    card_number             TEXT NOT NULL, -- masked: first 6 and last 4 digits
    card_expiry             TEXT NOT NULL,
    result_type             TEXT NOT NULL,
    result_status           TEXT NOT NULL,
    approval_code           TEXT NOT NULL,
    authorized_amount       INTEGER,
    response_code           TEXT NOT NULL,
    response_message        TEXT NOT NULL,
    processor_response_code TEXT NOT NULL
) STRICT;
CREATE INDEX refunds_merchant ON refunds (merchant_id, date_time);

CREATE TABLE idempotency_keys (
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    key         TEXT NOT NULL,
    fingerprint BLOB NOT NULL,
    status      INTEGER NOT NULL,
    body        BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    instruction_id TEXT NOT NULL,
    merchant_id    TEXT NOT NULL,
    at             INTEGER NOT NULL,
    phase          TEXT NOT NULL,
    kind           TEXT NOT NULL,
    detail         TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX events_instruction ON events (instruction_id, seq);
