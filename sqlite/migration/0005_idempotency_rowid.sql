-- Idempotency records in a rowid table: new records go to its end, and
-- only the small (merchant_id, key) index entry lands on a random page.
CREATE TABLE idempotency_keys_new (
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    key         TEXT NOT NULL,
    fingerprint BLOB NOT NULL,
    status      INTEGER NOT NULL,
    body        BLOB NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
INSERT INTO idempotency_keys_new (merchant_id, key, fingerprint, status, body, created_at)
    SELECT merchant_id, key, fingerprint, status, body, created_at FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_new RENAME TO idempotency_keys;
CREATE UNIQUE INDEX idempotency_keys_key ON idempotency_keys (merchant_id, key);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
