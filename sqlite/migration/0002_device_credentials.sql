-- Device credentials and pairing codes for the device protocol.

CREATE TABLE device_credentials (
    id          TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL REFERENCES devices (id),
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    prefix      TEXT NOT NULL,
    hash        BLOB NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
) STRICT;
CREATE INDEX device_credentials_device ON device_credentials (device_id);

CREATE TABLE pair_codes (
    hash        BLOB PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    device_id   TEXT NOT NULL REFERENCES devices (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX pair_codes_expires ON pair_codes (expires_at);

CREATE INDEX instructions_device_completed ON instructions (device_id, updated_at) WHERE phase = 'completed';
