-- The assistant and the auto-responder: per-project persona, catalogue,
-- modes and schedule; the language model the whole app uses; the outbox guard
-- over what the app sends on its own; what the assistant did per message.

-- How a project answers on its own. Placeholders of the persona come from here.
CREATE TABLE assistant_settings (
    project_id          INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    mode                TEXT NOT NULL DEFAULT 'off' CHECK (mode IN ('off', 'drafts', 'automatic')),
    -- The owner's persona; NULL means the default template in the project's language.
    persona             TEXT,
    agent_name          TEXT NOT NULL DEFAULT '',
    brand               TEXT NOT NULL DEFAULT '',
    city                TEXT NOT NULL DEFAULT '',
    whatsapp_link       TEXT NOT NULL DEFAULT '',
    catalog_url         TEXT NOT NULL DEFAULT '',
    currency            TEXT NOT NULL DEFAULT '₽',
    auto_reply          TEXT NOT NULL DEFAULT 'off' CHECK (auto_reply IN ('off', 'always', 'schedule')),
    auto_reply_text     TEXT NOT NULL DEFAULT '',
    auto_reply_delay_s  INTEGER NOT NULL DEFAULT 75 CHECK (auto_reply_delay_s BETWEEN 0 AND 86400),
    -- Weekly intervals, JSON: [{"days":["mon",…],"start":"19:00","end":"09:00"}].
    schedule            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(schedule)),
    -- IANA time zone of the schedule; '' means this computer's.
    time_zone           TEXT NOT NULL DEFAULT '',
    updated_at          INTEGER NOT NULL
);

-- The language model every project's assistant talks to (one row).
CREATE TABLE llm_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    provider        TEXT NOT NULL CHECK (provider IN ('ollama', 'openai_compatible')),
    base_url        TEXT NOT NULL,
    model           TEXT NOT NULL DEFAULT '',
    -- The API key is in the OS keyring under this name (NULL: no key).
    secret_ref      TEXT,
    context_tokens  INTEGER NOT NULL DEFAULT 8192 CHECK (context_tokens BETWEEN 1024 AND 1048576),
    max_tokens      INTEGER NOT NULL DEFAULT 400 CHECK (max_tokens BETWEEN 16 AND 16384),
    temperature     REAL NOT NULL DEFAULT 0.7 CHECK (temperature BETWEEN 0 AND 2),
    updated_at      INTEGER NOT NULL
);
INSERT INTO llm_settings (id, provider, base_url, updated_at)
VALUES (1, 'ollama', 'http://127.0.0.1:11434/v1', 0);

-- What the app may send on its own (auto-replies, the assistant): nothing
-- ('off'), only to listed recipients ('whitelist'), or everything ('on').
-- A new install starts on an empty whitelist.
CREATE TABLE outbox_guard (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    mode            TEXT NOT NULL CHECK (mode IN ('off', 'whitelist', 'on')),
    -- The guard also covers replies people write.
    include_people  INTEGER NOT NULL DEFAULT 0,
    updated_at      INTEGER NOT NULL
);
INSERT INTO outbox_guard (id, mode, updated_at) VALUES (1, 'whitelist', 0);

CREATE TABLE outbox_whitelist (
    kind        TEXT NOT NULL CHECK (kind IN ('telegram_user', 'telegram_username', 'phone', 'email', 'avito_user')),
    value       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, value)
);

-- Set while the outbox guard holds a reply; a release queues it again.
ALTER TABLE messages ADD COLUMN held_at INTEGER;
CREATE INDEX messages_held ON messages (held_at) WHERE held_at IS NOT NULL;

-- The project's catalogue: the last uploaded file, parsed into rows.
CREATE TABLE catalogues (
    project_id   INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    format       TEXT NOT NULL CHECK (format IN ('pdf', 'csv', 'xlsx', 'xls')),
    size         INTEGER NOT NULL,
    columns      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(columns)),
    row_count    INTEGER NOT NULL,
    imported_at  INTEGER NOT NULL
);

CREATE TABLE catalogue_rows (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    -- The sheet (spreadsheets) or page (PDF) the row is on.
    sheet       TEXT,
    cells       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(cells)),
    -- "Header: value; …": what is searched and what goes into prompts.
    text        TEXT NOT NULL
);
CREATE INDEX catalogue_rows_project ON catalogue_rows (project_id, position);

-- Word search over the rows, any script, case and diacritics folded.
CREATE VIRTUAL TABLE catalogue_fts USING fts5 (
    text, content = 'catalogue_rows', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER catalogue_fts_insert AFTER INSERT ON catalogue_rows BEGIN
    INSERT INTO catalogue_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER catalogue_fts_delete AFTER DELETE ON catalogue_rows BEGIN
    INSERT INTO catalogue_fts (catalogue_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;

-- What the assistant did about one customer message.
CREATE TABLE assistant_runs (
    id                  INTEGER PRIMARY KEY,
    conversation_id     INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    trigger_message_id  INTEGER NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
    outcome             TEXT NOT NULL CHECK (outcome IN ('draft', 'answered', 'handoff', 'failed')),
    -- The draft or the answer; the reason of a handoff or a failure.
    text                TEXT NOT NULL DEFAULT '',
    language            TEXT,
    model               TEXT,
    -- The catalogue rows the prompt carried, as they were: [{"id","text"}].
    catalogue_rows      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(catalogue_rows)),
    -- The reply it sent (automatic mode), or the one a person sent from the draft.
    message_id          INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    -- A draft a person used or dismissed is no longer offered.
    dismissed           INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL
);
CREATE INDEX assistant_runs_conversation ON assistant_runs (conversation_id, id);
CREATE INDEX assistant_runs_message ON assistant_runs (message_id) WHERE message_id IS NOT NULL;

-- The Test chat: which project it speaks for is its channel account's project;
-- each simulated customer writes as if on a channel of this kind.
ALTER TABLE simulator_transcript ADD COLUMN channel_kind TEXT
    CHECK (channel_kind IS NULL OR channel_kind IN ('telegram_bot', 'telegram_account', 'avito', 'whatsapp', 'email'));
