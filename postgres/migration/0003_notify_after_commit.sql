-- Instruction changes are announced by the Notifier after commit, in
-- batches: a NOTIFY inside the transaction makes PostgreSQL commit such
-- transactions one at a time. The re-check finds what a lost notification
-- would miss, by the time of the last change.
DROP TRIGGER instructions_notify_insert ON instructions;
DROP TRIGGER instructions_notify_update ON instructions;
DROP FUNCTION ferry_notify_instruction();
CREATE INDEX instructions_updated ON instructions (updated_at);

-- New instructions for simulated devices still wake every simulator (the
-- Notifier publishes the "sim" key too); devices added by admin commands
-- keep their trigger.
