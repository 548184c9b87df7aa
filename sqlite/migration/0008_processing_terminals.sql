-- Processing terminals: the settings a merchant's devices run with. Every
-- device's processing_terminal_id names one; a terminal is created, with
-- the defaults below (ferry.NewProcessingTerminal), in the transaction that
-- adds its first device. suggested_tips is a comma-separated list of whole
-- percentages ('' for none).
CREATE TABLE processing_terminals (
    merchant_id      TEXT NOT NULL REFERENCES merchants (id),
    id               TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'active',
    timezone         TEXT NOT NULL DEFAULT 'America/New_York',
    tips_enabled     INTEGER NOT NULL DEFAULT 1,
    tip_prompt       INTEGER NOT NULL DEFAULT 1,
    suggested_tips   TEXT NOT NULL DEFAULT '15,18,20',
    batch_close_type TEXT NOT NULL DEFAULT 'automatic',
    batch_close_time TEXT NOT NULL DEFAULT '23:40',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, id)
) STRICT, WITHOUT ROWID;

-- The devices already registered get their terminals, created when the
-- terminal's first device was.
INSERT INTO processing_terminals (merchant_id, id, created_at, updated_at)
    SELECT merchant_id, processing_terminal_id, min(created_at), min(created_at)
    FROM devices GROUP BY merchant_id, processing_terminal_id;

-- A terminal's devices, in the order they were added.
-- The terminal's devices, found by merchant and terminal and sorted in
-- memory (a terminal has few). The index holds no time beside a serial
-- number: the eight bytes of a time can spell digits that, next to a
-- numeric serial number, read as a card number to a scan of the file.
CREATE INDEX devices_terminal ON devices (merchant_id, processing_terminal_id);
