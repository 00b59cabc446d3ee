-- Bearer tokens of the LAN API (a shop's website, CRM or 1C): only the
-- SHA-256 of each token is kept; the token itself is shown once.
CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    -- What it may do: a JSON array of "send", "read", "admin".
    scopes          TEXT NOT NULL CHECK (json_valid(scopes)),
    hash            TEXT NOT NULL UNIQUE,
    -- The token's first characters, to tell tokens apart in a list.
    prefix          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    revoked_at      INTEGER
);

-- Messages sent through the API, by the sender's idempotency key: the same
-- key again answers the first message instead of sending twice.
CREATE TABLE api_sends (
    token_id        INTEGER NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    -- NULL while the first request with this key is being queued.
    message_id      INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (token_id, idempotency_key)
);
