-- The Dashboard reads a conversation's messages from the index alone (who
-- wrote, which way, when), and the conversations started in a period with
-- their project and account.

DROP INDEX messages_conversation;
CREATE INDEX messages_conversation ON messages (conversation_id, id, direction, author_kind, created_at);
DROP INDEX conversations_created;
CREATE INDEX conversations_created ON conversations (created_at, project_id, channel_account_id);

-- Inbound events a channel received but could not store (no sender, nothing
-- in them): counted for the Health screen's guardrails, without content.
CREATE TABLE inbound_skips (
    id                  INTEGER PRIMARY KEY,
    channel_account_id  INTEGER NOT NULL REFERENCES channel_accounts(id) ON DELETE CASCADE,
    reason              TEXT NOT NULL CHECK (reason IN ('no_sender', 'unusable')),
    at                  INTEGER NOT NULL
);
CREATE INDEX inbound_skips_at ON inbound_skips (at);

-- The guardrails read the jobs of a kind started in the last day.
CREATE INDEX jobs_created ON jobs (kind, created_at);
CREATE INDEX assistant_runs_created ON assistant_runs (created_at, outcome);
