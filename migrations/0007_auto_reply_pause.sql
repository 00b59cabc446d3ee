-- Auto-replies can be paused for the whole app (from the tray): while paused,
-- an auto-reply that comes due is not sent (and not sent later either).
CREATE TABLE auto_reply_pause (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    paused      INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL
);
INSERT INTO auto_reply_pause (id, paused, updated_at) VALUES (1, 0, 0);
