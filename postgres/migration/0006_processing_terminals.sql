-- Processing terminals: the settings a merchant's devices run with. Every
-- device's processing_terminal_id names one; a terminal is created, with
-- the defaults below (ferry.NewProcessingTerminal), in the transaction that
-- adds its first device. suggested_tips holds whole percentages.
CREATE TABLE processing_terminals (
    merchant_id      text NOT NULL REFERENCES merchants (id),
    id               text NOT NULL,
    status           text NOT NULL DEFAULT 'active',
    timezone         text NOT NULL DEFAULT 'America/New_York',
    tips_enabled     boolean NOT NULL DEFAULT true,
    tip_prompt       boolean NOT NULL DEFAULT true,
    suggested_tips   integer[] NOT NULL DEFAULT '{15,18,20}',
    batch_close_type text NOT NULL DEFAULT 'automatic',
    batch_close_time text NOT NULL DEFAULT '23:40',
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (merchant_id, id)
);

-- The devices already registered get their terminals, created when the
-- terminal's first device was.
INSERT INTO processing_terminals (merchant_id, id, created_at, updated_at)
    SELECT merchant_id, processing_terminal_id, min(created_at), min(created_at)
    FROM devices GROUP BY merchant_id, processing_terminal_id;

-- A terminal's devices, in the order they were added.
CREATE INDEX devices_terminal ON devices (merchant_id, processing_terminal_id, created_at, serial_number COLLATE "C");
