-- Outgoing webhooks: another system of the shop follows Tuberry's events.
-- Each event is a queued job (webhook.post) written by the triggers below in
-- the transaction that made the change, whichever code made it: none is
-- lost, and the events of one conversation reach a subscriber in order (one
-- destination per subscriber and conversation). The signing secret lives in
-- the OS keyring under secret_ref.
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    url         TEXT NOT NULL,
    events      TEXT NOT NULL CHECK (json_valid(events)),
    secret_ref  TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL
);

CREATE TRIGGER webhooks_message_received AFTER INSERT ON messages
WHEN NEW.direction = 'in' AND EXISTS (SELECT 1 FROM webhooks WHERE enabled = 1)
BEGIN
    INSERT INTO jobs (kind, version, payload, idempotency_key, destination, max_attempts,
                      run_at, created_at, updated_at)
    SELECT 'webhook.post', 1,
           json_object('event_id', 'evt_' || lower(hex(randomblob(12))), 'webhook_id', w.id, 'event', 'message.received', 'message_id', NEW.id,
                       'conversation_id', NEW.conversation_id, 'at', NEW.created_at),
           'webhook:' || w.id || ':' || lower(hex(randomblob(12))),
           'webhook:' || w.id || ':' || NEW.conversation_id,
           12, NEW.created_at, NEW.created_at, NEW.created_at
    FROM webhooks w
    WHERE w.enabled = 1 AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value = 'message.received');
END;

CREATE TRIGGER webhooks_message_delivery AFTER UPDATE OF delivery ON messages
WHEN NEW.delivery IS NOT OLD.delivery AND NEW.delivery IN ('sent', 'delivered', 'failed')
     AND EXISTS (SELECT 1 FROM webhooks WHERE enabled = 1)
BEGIN
    INSERT INTO jobs (kind, version, payload, idempotency_key, destination, max_attempts,
                      run_at, created_at, updated_at)
    SELECT 'webhook.post', 1,
           json_object('event_id', 'evt_' || lower(hex(randomblob(12))), 'webhook_id', w.id, 'event', 'message.' || NEW.delivery, 'message_id', NEW.id,
                       'conversation_id', NEW.conversation_id,
                       'at', coalesce(NEW.read_at, NEW.sent_at, NEW.created_at)),
           'webhook:' || w.id || ':' || lower(hex(randomblob(12))),
           'webhook:' || w.id || ':' || NEW.conversation_id,
           12, coalesce(NEW.sent_at, NEW.created_at), coalesce(NEW.sent_at, NEW.created_at),
           coalesce(NEW.sent_at, NEW.created_at)
    FROM webhooks w
    WHERE w.enabled = 1
      AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value = 'message.' || NEW.delivery);
END;

CREATE TRIGGER webhooks_conversation_status AFTER UPDATE OF status ON conversations
WHEN NEW.status IS NOT OLD.status AND EXISTS (SELECT 1 FROM webhooks WHERE enabled = 1)
BEGIN
    INSERT INTO jobs (kind, version, payload, idempotency_key, destination, max_attempts,
                      run_at, created_at, updated_at)
    SELECT 'webhook.post', 1,
           json_object('event_id', 'evt_' || lower(hex(randomblob(12))), 'webhook_id', w.id, 'event', 'conversation.status_changed',
                       'conversation_id', NEW.id, 'status', NEW.status,
                       'previous_status', OLD.status, 'at', NEW.updated_at),
           'webhook:' || w.id || ':' || lower(hex(randomblob(12))),
           'webhook:' || w.id || ':' || NEW.id,
           12, NEW.updated_at, NEW.updated_at, NEW.updated_at
    FROM webhooks w
    WHERE w.enabled = 1
      AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value = 'conversation.status_changed');
END;
