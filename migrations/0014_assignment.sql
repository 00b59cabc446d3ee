-- Assignment: a conversation can be given to one person of the team. A
-- reply by someone else is allowed, and marked with the name of the person
-- the conversation was assigned to at that moment.

ALTER TABLE conversations ADD COLUMN assigned_person_id INTEGER REFERENCES people(id);
ALTER TABLE conversations ADD COLUMN assigned_at INTEGER;
CREATE INDEX conversations_assigned ON conversations (assigned_person_id, last_message_at);

ALTER TABLE messages ADD COLUMN assigned_to_name TEXT;

-- The bot a person linked through: the one that writes to them (alerts).
ALTER TABLE people ADD COLUMN bot_account_id INTEGER REFERENCES channel_accounts(id) ON DELETE SET NULL;

-- What the owner and admins were last told about a thing that can break (a
-- channel account, a work group's rights, a conversation waiting), so each
-- break and each recovery is raised once.
CREATE TABLE alert_states (
    key         TEXT PRIMARY KEY,
    broken      INTEGER NOT NULL,
    changed_at  INTEGER NOT NULL
);

-- Alerts waiting to be sent, grouped into one message per person.
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL,
    broken      INTEGER NOT NULL,
    -- What to say, in the engine's words: {"en": "...", "ru": "..."}.
    text        TEXT NOT NULL CHECK (json_valid(text)),
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER
);
CREATE INDEX alerts_unsent ON alerts (sent_at) WHERE sent_at IS NULL;

-- The figures of a period (new conversations, replies by whom) read these.
CREATE INDEX conversations_created ON conversations (created_at);
CREATE INDEX messages_out_created ON messages (created_at) WHERE direction = 'out';
