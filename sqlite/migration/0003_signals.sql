-- Wake-ups that other processes (the admin commands) leave for a running
-- server; see Publisher and DB.Watch.
CREATE TABLE signals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    at  INTEGER NOT NULL
) STRICT;
