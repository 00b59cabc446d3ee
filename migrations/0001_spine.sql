-- The spine of the store: projects, channel accounts, contacts, conversations,
-- messages and the durable job queue. Timestamps are Unix epoch milliseconds.
-- Migrations are add-only: never edit this file once released.

CREATE TABLE projects (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    created_at  INTEGER NOT NULL
);

CREATE TABLE channel_accounts (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER REFERENCES projects(id) ON DELETE SET NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('simulator', 'telegram_bot', 'telegram_account', 'avito', 'whatsapp', 'email')),
    name         TEXT NOT NULL,
    -- The account's own id at the provider (bot id, Avito user id, mailbox address...).
    external_id  TEXT NOT NULL,
    -- Non-secret settings as JSON; secrets live in the OS keyring.
    settings     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
    enabled      INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    UNIQUE (kind, external_id)
);

CREATE TABLE contacts (
    id            INTEGER PRIMARY KEY,
    display_name  TEXT NOT NULL,
    -- display_name folded to lower case (all scripts) for search.
    search_key    TEXT NOT NULL,
    phone         TEXT,
    email         TEXT,
    note          TEXT,
    -- Set when this contact was merged into another one by hand.
    merged_into   INTEGER REFERENCES contacts(id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- How a contact is known on each channel (phone, Telegram id, Avito user, e-mail...).
CREATE TABLE contact_identities (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('simulator', 'telegram_user', 'telegram_username', 'avito_user', 'email', 'phone', 'whatsapp')),
    value       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (kind, value)
);
CREATE INDEX contact_identities_contact ON contact_identities (contact_id);

CREATE TABLE conversations (
    id                      INTEGER PRIMARY KEY,
    project_id              INTEGER REFERENCES projects(id) ON DELETE SET NULL,
    channel_account_id      INTEGER NOT NULL REFERENCES channel_accounts(id),
    contact_id              INTEGER NOT NULL REFERENCES contacts(id),
    -- The thread's id at the provider (chat id, Avito chat, e-mail thread root...).
    external_thread_id      TEXT NOT NULL,
    subject                 TEXT,
    status                  TEXT NOT NULL DEFAULT 'awaiting_response'
                            CHECK (status IN ('awaiting_response', 'answered_by_assistant', 'needs_human', 'closed')),
    last_message_at         INTEGER NOT NULL,
    last_message_preview    TEXT NOT NULL DEFAULT '',
    last_message_direction  TEXT CHECK (last_message_direction IN ('in', 'out')),
    unread_count            INTEGER NOT NULL DEFAULT 0,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    UNIQUE (channel_account_id, external_thread_id)
);
-- Cover the inbox's filters so a window of the list is read from the index alone.
CREATE INDEX conversations_recent ON conversations
    (last_message_at DESC, id DESC, status, channel_account_id, contact_id);
CREATE INDEX conversations_status_recent ON conversations (status, last_message_at DESC, id DESC);
CREATE INDEX conversations_contact ON conversations (contact_id);

CREATE TABLE messages (
    id                  INTEGER PRIMARY KEY,
    conversation_id     INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    channel_account_id  INTEGER NOT NULL REFERENCES channel_accounts(id),
    direction           TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    author_kind         TEXT NOT NULL CHECK (author_kind IN ('customer', 'manager', 'operator', 'assistant', 'auto_reply')),
    author_name         TEXT,
    text                TEXT NOT NULL,
    attachments         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(attachments)),
    -- The message's id at the provider; inbound messages always have one.
    external_id         TEXT,
    -- Outbound only: pending -> sent -> delivered, or failed.
    delivery            TEXT CHECK (delivery IN ('pending', 'sent', 'delivered', 'failed')),
    delivery_error      TEXT,
    created_at          INTEGER NOT NULL,
    sent_at             INTEGER,
    CHECK ((direction = 'in') = (delivery IS NULL))
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
-- The same inbound message delivered twice is stored once.
CREATE UNIQUE INDEX messages_external ON messages (channel_account_id, direction, external_id)
    WHERE external_id IS NOT NULL;

-- Full-text search over message text (trigram: substring search in any script).
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, content = 'messages', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;

CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    version          INTEGER NOT NULL,
    payload          TEXT NOT NULL CHECK (json_valid(payload)),
    idempotency_key  TEXT NOT NULL UNIQUE,
    -- Jobs to one destination run one at a time, in order, within its rate limit.
    destination      TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL CHECK (max_attempts > 0),
    run_at           INTEGER NOT NULL,
    lease_until      INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    finished_at      INTEGER
);
CREATE INDEX jobs_due ON jobs (status, run_at, id);
CREATE INDEX jobs_destination ON jobs (destination, status, id);

-- A destination that answered "retry after N seconds" is left alone until then,
-- across restarts.
CREATE TABLE destination_holds (
    destination    TEXT PRIMARY KEY,
    blocked_until  INTEGER NOT NULL
);

-- The simulator channel's side of the conversation: what the simulated
-- customer wrote and what the shop's replies delivered to them.
CREATE TABLE simulator_transcript (
    id          INTEGER PRIMARY KEY,
    channel_account_id INTEGER NOT NULL REFERENCES channel_accounts(id),
    customer    TEXT NOT NULL,
    direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    text        TEXT NOT NULL,
    -- For replies: the outbound message delivered; unique so a reply lands once.
    message_id  INTEGER UNIQUE,
    external_id TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);
CREATE INDEX simulator_transcript_customer ON simulator_transcript (customer, id);
