-- Staff members' own Telegram accounts (MTProto), and what Telegram lets a
-- customer do to a message after sending it: edit it, delete it.

-- The application's identity at Telegram and how it describes itself (one row).
CREATE TABLE telegram_app (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    -- The owner's own api_id; NULL: the one the build carries, if any.
    api_id          INTEGER,
    -- The owner's api_hash is in the OS keyring under this entry.
    hash_ref        TEXT,
    device_model    TEXT NOT NULL DEFAULT '',
    system_version  TEXT NOT NULL DEFAULT '',
    app_version     TEXT NOT NULL DEFAULT '',
    lang_code       TEXT NOT NULL DEFAULT '',
    updated_at      INTEGER NOT NULL
);
INSERT INTO telegram_app (id, updated_at) VALUES (1, 0);

-- One row per channel account of kind 'telegram_account'.
CREATE TABLE telegram_accounts (
    channel_account_id  INTEGER PRIMARY KEY REFERENCES channel_accounts(id) ON DELETE CASCADE,
    user_id             INTEGER NOT NULL,
    username            TEXT,
    phone               TEXT,
    -- Which chats reach the inbox.
    accepts_private     INTEGER NOT NULL DEFAULT 1,
    accepts_groups      INTEGER NOT NULL DEFAULT 0,
    accepts_channels    INTEGER NOT NULL DEFAULT 0,
    -- The MTProto session (keys, data centre, update state), sealed with
    -- AES-256-GCM; the key is in the OS keyring under key_ref.
    session             BLOB,
    key_ref             TEXT NOT NULL,
    -- A SOCKS5 proxy (it may hold a password) is in the keyring under proxy_ref.
    proxy_ref           TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted_at INTEGER;
