-- The Dashboard's figures kept up to date as messages are stored, so a
-- period's charts read a few small rows instead of every message of it.

-- Messages per quarter of an hour (UTC milliseconds / 900000), account, way
-- and author: the days, the busiest hours and who answered, in any time
-- zone (the ones a quarter or half an hour off included).
CREATE TABLE message_counts (
    quarter             INTEGER NOT NULL,
    channel_account_id  INTEGER NOT NULL,
    direction           TEXT NOT NULL,
    author_kind         TEXT NOT NULL,
    n                   INTEGER NOT NULL,
    PRIMARY KEY (quarter, channel_account_id, direction, author_kind)
) WITHOUT ROWID;

-- A conversation's first customer message and first answer (by a person or
-- the assistant, not before that message), whether a person answered it, and
-- since when its customer waits now: their first message after the last
-- answer (an auto-reply is not one), NULL when nobody waits.
ALTER TABLE conversations ADD COLUMN first_in_at INTEGER;
ALTER TABLE conversations ADD COLUMN first_answer_at INTEGER;
ALTER TABLE conversations ADD COLUMN person_answered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN waiting_since INTEGER;
-- An answer's: since when its customer had been waiting when it was stored.
ALTER TABLE messages ADD COLUMN answered_since INTEGER;

INSERT INTO message_counts (quarter, channel_account_id, direction, author_kind, n)
SELECT created_at / 900000, channel_account_id, direction, author_kind, count(*)
FROM messages GROUP BY 1, 2, 3, 4;

UPDATE messages SET answered_since = (
    SELECT min(i.created_at) FROM messages i
    WHERE i.conversation_id = messages.conversation_id AND i.direction = 'in'
      AND i.id < messages.id
      AND i.id > coalesce((SELECT max(o.id) FROM messages o
                           WHERE o.conversation_id = messages.conversation_id
                             AND o.direction = 'out' AND o.author_kind <> 'auto_reply'
                             AND o.id < messages.id), 0))
WHERE direction = 'out' AND author_kind <> 'auto_reply';

UPDATE conversations SET first_in_at = (
    SELECT min(m.created_at) FROM messages m
    WHERE m.conversation_id = conversations.id AND m.direction = 'in');
UPDATE conversations SET
    first_answer_at = (SELECT min(o.created_at) FROM messages o
                       WHERE o.conversation_id = conversations.id AND o.direction = 'out'
                         AND o.author_kind IN ('manager', 'operator', 'assistant')
                         AND o.created_at >= conversations.first_in_at),
    person_answered = EXISTS (SELECT 1 FROM messages o
                              WHERE o.conversation_id = conversations.id AND o.direction = 'out'
                                AND o.author_kind IN ('manager', 'operator')),
    waiting_since = (SELECT min(m.created_at) FROM messages m
                     WHERE m.conversation_id = conversations.id AND m.direction = 'in'
                       AND m.id > coalesce((SELECT max(o.id) FROM messages o
                                            WHERE o.conversation_id = conversations.id
                                              AND o.direction = 'out'
                                              AND o.author_kind <> 'auto_reply'), 0))
WHERE first_in_at IS NOT NULL;

CREATE TRIGGER messages_figures AFTER INSERT ON messages BEGIN
    INSERT INTO message_counts (quarter, channel_account_id, direction, author_kind, n)
    VALUES (new.created_at / 900000, new.channel_account_id, new.direction, new.author_kind, 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
    UPDATE messages
    SET answered_since = (SELECT waiting_since FROM conversations WHERE id = new.conversation_id)
    WHERE id = new.id AND new.direction = 'out' AND new.author_kind <> 'auto_reply';
    UPDATE conversations SET
        first_in_at = CASE WHEN new.direction = 'in'
                           THEN min(coalesce(first_in_at, new.created_at), new.created_at)
                           ELSE first_in_at END,
        first_answer_at = CASE
            -- A first (or earlier) customer message: the first answer after it.
            WHEN new.direction = 'in' AND (first_in_at IS NULL OR new.created_at < first_in_at)
            THEN (SELECT min(o.created_at) FROM messages o
                  WHERE o.conversation_id = new.conversation_id AND o.direction = 'out'
                    AND o.author_kind IN ('manager', 'operator', 'assistant')
                    AND o.created_at >= new.created_at)
            WHEN new.direction = 'out' AND new.author_kind IN ('manager', 'operator', 'assistant')
                 AND first_in_at IS NOT NULL AND new.created_at >= first_in_at
                 AND (first_answer_at IS NULL OR new.created_at < first_answer_at)
            THEN new.created_at
            ELSE first_answer_at END,
        person_answered = person_answered
            OR (new.direction = 'out' AND new.author_kind IN ('manager', 'operator')),
        waiting_since = CASE
            WHEN new.direction = 'in'
            THEN min(coalesce(waiting_since, new.created_at), new.created_at)
            WHEN new.author_kind <> 'auto_reply' THEN NULL
            ELSE waiting_since END
    WHERE id = new.conversation_id;
END;

CREATE TRIGGER messages_figures_delete AFTER DELETE ON messages BEGIN
    UPDATE message_counts SET n = n - 1
    WHERE quarter = old.created_at / 900000 AND channel_account_id = old.channel_account_id
      AND direction = old.direction AND author_kind = old.author_kind;
END;

-- A message moved in time (or re-authored): its counts move, and its
-- conversation's figures are read again from its messages.
CREATE TRIGGER messages_figures_moved
AFTER UPDATE OF created_at, direction, author_kind, channel_account_id ON messages BEGIN
    UPDATE message_counts SET n = n - 1
    WHERE quarter = old.created_at / 900000 AND channel_account_id = old.channel_account_id
      AND direction = old.direction AND author_kind = old.author_kind;
    INSERT INTO message_counts (quarter, channel_account_id, direction, author_kind, n)
    VALUES (new.created_at / 900000, new.channel_account_id, new.direction, new.author_kind, 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
    UPDATE messages SET answered_since = (
        SELECT min(i.created_at) FROM messages i
        WHERE i.conversation_id = messages.conversation_id AND i.direction = 'in'
          AND i.id < messages.id
          AND i.id > coalesce((SELECT max(o.id) FROM messages o
                               WHERE o.conversation_id = messages.conversation_id
                                 AND o.direction = 'out' AND o.author_kind <> 'auto_reply'
                                 AND o.id < messages.id), 0))
    WHERE conversation_id = new.conversation_id AND direction = 'out' AND author_kind <> 'auto_reply';
    UPDATE conversations SET
        first_in_at = (SELECT min(m.created_at) FROM messages m
                       WHERE m.conversation_id = conversations.id AND m.direction = 'in'),
        person_answered = EXISTS (SELECT 1 FROM messages o
                                  WHERE o.conversation_id = conversations.id AND o.direction = 'out'
                                    AND o.author_kind IN ('manager', 'operator')),
        waiting_since = (SELECT min(m.created_at) FROM messages m
                         WHERE m.conversation_id = conversations.id AND m.direction = 'in'
                           AND m.id > coalesce((SELECT max(o.id) FROM messages o
                                                WHERE o.conversation_id = conversations.id
                                                  AND o.direction = 'out'
                                                  AND o.author_kind <> 'auto_reply'), 0))
    WHERE id = new.conversation_id;
    UPDATE conversations SET
        first_answer_at = (SELECT min(o.created_at) FROM messages o
                           WHERE o.conversation_id = conversations.id AND o.direction = 'out'
                             AND o.author_kind IN ('manager', 'operator', 'assistant')
                             AND o.created_at >= conversations.first_in_at)
    WHERE id = new.conversation_id;
END;

DROP INDEX conversations_created;
CREATE INDEX conversations_created ON conversations
    (created_at, project_id, channel_account_id, first_in_at, first_answer_at, person_answered, status);
CREATE INDEX messages_person_replies ON messages
    (created_at, person_id, direction, author_kind, answered_since, conversation_id)
    WHERE person_id IS NOT NULL;

-- Deleting a message (a Test chat conversation cleared) looks up the replies
-- quoting it: without this, a scan of every message for each one deleted.
CREATE INDEX messages_reply_to ON messages (reply_to_id) WHERE reply_to_id IS NOT NULL;
