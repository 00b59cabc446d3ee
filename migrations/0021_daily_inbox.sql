-- The inbox for a day's work: labels, snooze, quick replies, replies
-- scheduled for later, and the sort orders of the list.

-- A label: a name and a colour, put on any number of conversations.
CREATE TABLE labels (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    -- The name folded to lower case: unique, and what `/label` looks up.
    folded      TEXT NOT NULL UNIQUE,
    color       TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE TABLE conversation_labels (
    label_id         INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    conversation_id  INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    PRIMARY KEY (label_id, conversation_id)
) WITHOUT ROWID;
CREATE INDEX conversation_labels_conversation ON conversation_labels (conversation_id, label_id);

-- Snoozed until then: out of the list, back at that time or when the
-- customer writes.
ALTER TABLE conversations ADD COLUMN snoozed_until INTEGER;
CREATE INDEX conversations_snoozed ON conversations (snoozed_until, status) WHERE snoozed_until IS NOT NULL;

-- "Unread first" and "waiting longest" read their window from an index.
CREATE INDEX conversations_unread ON conversations ((unread_count > 0) DESC, last_message_at DESC, id DESC);
CREATE INDEX conversations_waiting ON conversations (last_message_at, id)
    WHERE last_message_direction = 'in' AND status <> 'closed';

-- Saved answers with a short name, for one project or (no project) for all.
CREATE TABLE quick_replies (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER REFERENCES projects (id) ON DELETE CASCADE,
    name        TEXT NOT NULL CHECK (length(name) > 0),
    text        TEXT NOT NULL CHECK (length(trim(text)) > 0),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX quick_replies_name ON quick_replies (coalesce(project_id, 0), name);

-- A reply written now to go later: due then, while it waits; NULL once it
-- went out (or for any other message).
ALTER TABLE messages ADD COLUMN scheduled_at INTEGER;
CREATE INDEX messages_scheduled ON messages (conversation_id, scheduled_at) WHERE scheduled_at IS NOT NULL;

-- What a message said before each change: a customer's edit at the
-- provider, or an operator's edit of a reply. Oldest first.
CREATE TABLE message_edits (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    edited_at   INTEGER NOT NULL
);
CREATE INDEX message_edits_message ON message_edits (message_id, id);
-- A reply changed here that its channel could not change at the
-- customer's side: why (the customer still sees the text it went with).
ALTER TABLE messages ADD COLUMN edit_error TEXT;
