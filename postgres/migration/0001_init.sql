-- Ferry's schema on PostgreSQL. The same tables as on SQLite, in native
-- types; triggers publish changes with NOTIFY when the transaction commits.

CREATE TABLE merchants (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE api_keys (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    prefix      text NOT NULL,
    hash        bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX api_keys_merchant ON api_keys (merchant_id);

CREATE TABLE tokens (
    hash        bytea PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    api_key_id  text NOT NULL REFERENCES api_keys (id),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX tokens_expires ON tokens (expires_at);
CREATE INDEX tokens_api_key ON tokens (api_key_id);

CREATE TABLE devices (
    id                     text PRIMARY KEY,
    merchant_id            text NOT NULL REFERENCES merchants (id),
    serial_number          text NOT NULL,
    processing_terminal_id text NOT NULL,
    simulated              boolean NOT NULL DEFAULT false,
    model                  text NOT NULL DEFAULT '',
    created_at             timestamptz NOT NULL,
    last_seen_at           timestamptz,
    UNIQUE (merchant_id, serial_number)
);

CREATE TABLE device_credentials (
    id          text PRIMARY KEY,
    device_id   text NOT NULL REFERENCES devices (id),
    merchant_id text NOT NULL REFERENCES merchants (id),
    prefix      text NOT NULL,
    hash        bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX device_credentials_device ON device_credentials (device_id);

CREATE TABLE pair_codes (
    hash        bytea PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    device_id   text NOT NULL REFERENCES devices (id),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX pair_codes_expires ON pair_codes (expires_at);

CREATE TABLE instructions (
    id               text PRIMARY KEY,
    merchant_id      text NOT NULL REFERENCES merchants (id),
    device_id        text NOT NULL REFERENCES devices (id),
    kind             text NOT NULL,
    phase            text NOT NULL,
    version          bigint NOT NULL,
    request          jsonb NOT NULL, -- the validated request; never card data
    amount           bigint NOT NULL,
    currency         text NOT NULL,
    order_id         text NOT NULL,
    lease_token      bigint NOT NULL DEFAULT 0,
    lease_session    text NOT NULL DEFAULT '',
    lease_expires_at timestamptz,
    deadline_at      timestamptz,
    due_at           timestamptz, -- least(deadline_at, lease_expires_at) while active, else NULL
    card             jsonb,       -- the masked card, from the card read on
    refund_id        text,
    error_message    text NOT NULL DEFAULT '',
    canceled_by      text NOT NULL DEFAULT '',
    stop_acked       boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
-- A device runs one instruction at a time.
CREATE UNIQUE INDEX instructions_device_active ON instructions (device_id)
    WHERE phase IN ('queued', 'delivered', 'authorizing');
CREATE INDEX instructions_due ON instructions (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX instructions_unacked ON instructions (device_id) WHERE NOT stop_acked;
CREATE INDEX instructions_device ON instructions (device_id, created_at);
CREATE INDEX instructions_device_completed ON instructions (device_id, updated_at) WHERE phase = 'completed';

CREATE TABLE refunds (
    id                      text PRIMARY KEY,
    merchant_id             text NOT NULL REFERENCES merchants (id),
    instruction_id          text NOT NULL UNIQUE REFERENCES instructions (id), -- at most one refund per instruction
    processing_terminal_id  text NOT NULL,
    operator                text NOT NULL,
    order_id                text NOT NULL,
    description             text NOT NULL,
    amount                  bigint NOT NULL,
    currency                text NOT NULL,
    date_time               timestamptz NOT NULL,
    customer                jsonb,
    card_type               text NOT NULL,
    card_entry_method       text NOT NULL,
    cardholder_name         text NOT NULL,
    card_number             text NOT NULL, -- masked: first 6 and last 4 digits
    card_expiry             text NOT NULL,
    result_type             text NOT NULL,
    result_status           text NOT NULL,
    approval_code           text NOT NULL,
    authorized_amount       bigint,
    response_code           text NOT NULL,
    response_message        text NOT NULL,
    processor_response_code text NOT NULL
);
CREATE INDEX refunds_merchant ON refunds (merchant_id, date_time);

CREATE TABLE idempotency_keys (
    merchant_id text NOT NULL REFERENCES merchants (id),
    key         text NOT NULL,
    fingerprint bytea NOT NULL,
    status      integer NOT NULL,
    body        bytea NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (merchant_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE events (
    seq            bigserial PRIMARY KEY,
    instruction_id text NOT NULL,
    merchant_id    text NOT NULL,
    at             timestamptz NOT NULL,
    phase          text NOT NULL,
    kind           text NOT NULL,
    detail         text NOT NULL DEFAULT ''
);
CREATE INDEX events_instruction ON events (instruction_id, seq);

-- Wake-ups for every instance, sent when the transaction that made the
-- change commits, so none is lost to a crash between commit and notify.
-- Payloads are keys of ferry.Notifier topics: ids only. The channel is
-- per schema, so that deployments sharing a database do not wake each other.
CREATE FUNCTION ferry_notify_instruction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ferry:' || current_schema(), 'i:' || NEW.id);
    PERFORM pg_notify('ferry:' || current_schema(), 'd:' || NEW.device_id);
    IF TG_OP = 'INSERT' AND (SELECT simulated FROM devices WHERE id = NEW.device_id) THEN
        PERFORM pg_notify('ferry:' || current_schema(), 'sim');
    END IF;
    RETURN NULL;
END $$;
-- Lease renewals change neither phase nor token: they wake nobody.
CREATE TRIGGER instructions_notify_insert AFTER INSERT ON instructions
    FOR EACH ROW EXECUTE FUNCTION ferry_notify_instruction();
CREATE TRIGGER instructions_notify_update AFTER UPDATE ON instructions
    FOR EACH ROW WHEN (OLD.phase IS DISTINCT FROM NEW.phase OR OLD.lease_token IS DISTINCT FROM NEW.lease_token
                       OR OLD.stop_acked IS DISTINCT FROM NEW.stop_acked)
    EXECUTE FUNCTION ferry_notify_instruction();

CREATE FUNCTION ferry_notify_device() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'devices' THEN
        IF NEW.simulated THEN
            PERFORM pg_notify('ferry:' || current_schema(), 'sim');
        END IF;
    ELSE
        PERFORM pg_notify('ferry:' || current_schema(), 'd:' || NEW.device_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER devices_notify AFTER INSERT ON devices
    FOR EACH ROW EXECUTE FUNCTION ferry_notify_device();
CREATE TRIGGER device_credentials_notify AFTER UPDATE ON device_credentials
    FOR EACH ROW WHEN (NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL)
    EXECUTE FUNCTION ferry_notify_device();
