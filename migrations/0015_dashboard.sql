-- The dashboard: when a conversation was closed (resolution time), and the
-- messages of a period read from one index that covers every figure.

ALTER TABLE conversations ADD COLUMN closed_at INTEGER;
UPDATE conversations SET closed_at = updated_at WHERE status = 'closed';
CREATE INDEX conversations_closed ON conversations (closed_at) WHERE closed_at IS NOT NULL;

-- Every way a conversation is closed or opened again keeps closed_at.
CREATE TRIGGER conversations_closing AFTER UPDATE OF status ON conversations
WHEN new.status = 'closed' AND old.status <> 'closed'
BEGIN
    UPDATE conversations SET closed_at = new.updated_at WHERE id = new.id;
END;
CREATE TRIGGER conversations_reopening AFTER UPDATE OF status ON conversations
WHEN new.status <> 'closed' AND old.status = 'closed'
BEGIN
    UPDATE conversations SET closed_at = NULL WHERE id = new.id;
END;

DROP INDEX messages_out_created;
CREATE INDEX messages_created ON messages (created_at, direction, author_kind, conversation_id, person_id);
