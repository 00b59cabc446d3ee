-- Telegram: a project's operator bot and work group, forum topics mirroring
-- conversations, internal notes, and rate keys for queued jobs.

-- A job can count against shared budgets besides its destination (a Telegram
-- work group's 20 messages a minute, a bot's 30 a second). Space-separated,
-- narrowest first: a "retry after" answer holds the destination and the first.
ALTER TABLE jobs ADD COLUMN rate_keys TEXT NOT NULL DEFAULT '';

-- The language the project's bot speaks to operators in its work group.
ALTER TABLE projects ADD COLUMN language TEXT NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'en'));
-- The operator bot: a channel account of kind telegram_bot.
ALTER TABLE projects ADD COLUMN bot_account_id INTEGER REFERENCES channel_accounts(id) ON DELETE SET NULL;
-- The work group: a Telegram supergroup with topics, bound when the bot is added.
ALTER TABLE projects ADD COLUMN work_group_id INTEGER;
ALTER TABLE projects ADD COLUMN work_group_title TEXT;
-- What the last check of the bot's rights in the work group found (JSON).
ALTER TABLE projects ADD COLUMN work_group_check TEXT CHECK (work_group_check IS NULL OR json_valid(work_group_check));
ALTER TABLE projects ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX projects_work_group ON projects (work_group_id) WHERE work_group_id IS NOT NULL;

-- A connected Telegram bot. Its token is in the OS keyring under `secret_ref`.
CREATE TABLE telegram_bots (
    channel_account_id  INTEGER PRIMARY KEY REFERENCES channel_accounts(id) ON DELETE CASCADE,
    username            TEXT NOT NULL,
    api_url             TEXT NOT NULL,
    secret_ref          TEXT NOT NULL UNIQUE,
    -- Webhook mode: Telegram posts updates to this public address of the LAN
    -- endpoint instead of the bot polling. Its secret token is in the keyring
    -- under `secret_ref` + "-webhook".
    webhook_url         TEXT,
    -- The next update to ask for; stored with the updates it confirms.
    update_offset       INTEGER NOT NULL DEFAULT 0,
    state               TEXT NOT NULL DEFAULT 'connecting'
                        CHECK (state IN ('connecting', 'online', 'offline', 'unauthorized', 'conflict', 'stopped')),
    last_error          TEXT,
    updated_at          INTEGER NOT NULL
);

-- The forum topic that mirrors a conversation in its project's work group.
CREATE TABLE topics (
    conversation_id  INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    chat_id          INTEGER NOT NULL,
    thread_id        INTEGER NOT NULL,
    title            TEXT NOT NULL,
    closed           INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (chat_id, thread_id)
);

-- Which Telegram message in a topic carries which stored message: mirrors the
-- engine sent (several when coalesced), and operator messages that became replies.
CREATE TABLE topic_messages (
    chat_id              INTEGER NOT NULL,
    telegram_message_id  INTEGER NOT NULL,
    message_id           INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    origin               TEXT NOT NULL CHECK (origin IN ('mirror', 'operator')),
    PRIMARY KEY (chat_id, telegram_message_id, message_id)
);
CREATE INDEX topic_messages_message ON topic_messages (message_id);

-- Internal notes on a conversation: seen by the team, never sent to the customer.
CREATE TABLE notes (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    author_name      TEXT NOT NULL,
    text             TEXT NOT NULL CHECK (length(trim(text)) > 0),
    -- The Telegram message it came from, so a note is stored once.
    external_id      TEXT UNIQUE,
    created_at       INTEGER NOT NULL
);
CREATE INDEX notes_conversation ON notes (conversation_id, id);
