-- WhatsApp on the shop's own number (a linked device), and what WhatsApp
-- tells about messages besides their text: the customer read a reply,
-- reacted to a message, or answered one in particular.

-- One row per channel account of kind 'whatsapp' linked as a device.
CREATE TABLE whatsapp_devices (
    channel_account_id  INTEGER PRIMARY KEY REFERENCES channel_accounts(id) ON DELETE CASCADE,
    -- The number in +E.164 and the device's address (jid).
    phone               TEXT NOT NULL,
    jid                 TEXT NOT NULL,
    push_name           TEXT,
    -- Which chats reach the inbox.
    accepts_private     INTEGER NOT NULL DEFAULT 1,
    accepts_groups      INTEGER NOT NULL DEFAULT 0,
    -- The device's keys (identity, signal sessions, pre-keys, app state),
    -- sealed with AES-256-GCM; the key is in the OS keyring under key_ref.
    keys                BLOB,
    key_ref             TEXT NOT NULL,
    -- Why WhatsApp ended the link, when it did (unlinked from the phone).
    unlinked_reason     TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

ALTER TABLE messages ADD COLUMN read_at INTEGER;
-- The message a reply answers (a customer's message the manager or an
-- operator replied to), so that the channel shows it quoted.
ALTER TABLE messages ADD COLUMN reply_to_id INTEGER REFERENCES messages(id) ON DELETE SET NULL;
ALTER TABLE messages ADD COLUMN reaction TEXT;
