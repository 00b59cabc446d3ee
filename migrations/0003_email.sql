-- E-mail: mailboxes as channel accounts (settings JSON in channel_accounts,
-- the password in the OS keyring), how far each folder was read, and the
-- headers that thread e-mails into conversations.

-- The quoted history below a reply (e-mail), folded away in the thread.
ALTER TABLE messages ADD COLUMN quoted TEXT;

-- How far a mailbox's folder was read: a new UIDVALIDITY means the UIDs were
-- renumbered and the folder is read again (ingest drops what is known).
CREATE TABLE email_folders (
    channel_account_id  INTEGER NOT NULL REFERENCES channel_accounts(id) ON DELETE CASCADE,
    folder              TEXT NOT NULL,
    uid_validity        INTEGER NOT NULL,
    last_uid            INTEGER NOT NULL DEFAULT 0,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (channel_account_id, folder)
);

-- The e-mail side of a message, inbound or outbound.
CREATE TABLE email_messages (
    message_id          INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    channel_account_id  INTEGER NOT NULL REFERENCES channel_accounts(id),
    -- Message-ID without angle brackets.
    header_id           TEXT NOT NULL,
    -- References of the message, space-separated, oldest first.
    refs                TEXT NOT NULL DEFAULT '',
    -- The subject as threads compare it (no "Re:", lower case).
    thread_subject      TEXT NOT NULL DEFAULT '',
    -- Who replies go to: Reply-To, else From (inbound); the recipient (outbound).
    address             TEXT NOT NULL,
    -- The HTML body, sanitized, for display.
    html                TEXT
);
CREATE INDEX email_messages_header ON email_messages (channel_account_id, header_id);
