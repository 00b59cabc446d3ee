-- Avito Messenger: an Avito account is a channel account of kind `avito`
-- (its client id and api address in settings, its client secret and access
-- token in the OS keyring). Each Avito chat is a conversation.

-- How far an account's chats were read. A chat whose `updated` is newer than
-- the one recorded for it is read again; `since` bounds the first reading.
CREATE TABLE avito_accounts (
    channel_account_id  INTEGER PRIMARY KEY REFERENCES channel_accounts(id) ON DELETE CASCADE,
    -- Avito's user id of the account.
    user_id             INTEGER NOT NULL,
    profile_url         TEXT,
    -- Unix seconds: messages older than this are not imported.
    since               INTEGER NOT NULL,
    -- Unix seconds: every chat updated at or before this was read completely.
    watermark           INTEGER NOT NULL,
    -- Set while Avito posts new messages to the LAN endpoint: the public address.
    webhook_url         TEXT,
    updated_at          INTEGER NOT NULL
);

CREATE TABLE avito_chats (
    channel_account_id  INTEGER NOT NULL REFERENCES channel_accounts(id) ON DELETE CASCADE,
    chat_id             TEXT NOT NULL,
    -- The buyer's Avito user id and name.
    buyer_id            INTEGER,
    buyer_name          TEXT,
    -- The chat's `updated` (unix seconds) as last read completely.
    updated             INTEGER NOT NULL DEFAULT 0,
    -- The chat's last message when it was last read (`updated` has
    -- one-second steps; two messages in one second differ by id).
    last_message_id     TEXT,
    -- Unix seconds of the newest message stored.
    last_created        INTEGER NOT NULL DEFAULT 0,
    -- The listing the buyer asks about (chats about an item).
    item_id             INTEGER,
    item_title          TEXT,
    item_price          TEXT,
    item_url            TEXT,
    item_image          TEXT,
    PRIMARY KEY (channel_account_id, chat_id)
);

-- The parts of a long reply already accepted by Avito (it takes at most 1000
-- characters per message), so a retried reply does not send a part twice.
CREATE TABLE avito_sent_parts (
    message_id   INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    part         INTEGER NOT NULL,
    external_id  TEXT NOT NULL,
    PRIMARY KEY (message_id, part)
);
