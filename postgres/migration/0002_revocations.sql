-- No query uses it: each device query has a partial index of its own.
DROP INDEX instructions_device;

-- A revoked API key wakes every instance, so that each forgets the bearer
-- tokens it remembers.
CREATE FUNCTION ferry_notify_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ferry:' || current_schema(), 'revoked');
    RETURN NULL;
END $$;
CREATE TRIGGER api_keys_notify AFTER UPDATE ON api_keys
    FOR EACH ROW WHEN (NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL)
    EXECUTE FUNCTION ferry_notify_revoked();
