-- Authorize counts the tokens an API key was issued lately (a rate limit).
CREATE INDEX tokens_api_key_created ON tokens (api_key_id, created_at);
DROP INDEX tokens_api_key;
