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
