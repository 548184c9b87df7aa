-- No query uses it: each device query has a partial index of its own.
DROP INDEX instructions_device;
