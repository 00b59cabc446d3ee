-- Channels as plug-ins: what the inbox shows of a message no longer needs a
-- join with a channel's own table. A message with an HTML original (an
-- e-mail) says so itself.
ALTER TABLE messages ADD COLUMN has_html INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET has_html = 1
 WHERE id IN (SELECT message_id FROM email_messages WHERE html IS NOT NULL);

-- Each account's state in the one account model, as the running app last
-- saw it: another process (the command line) reads it from here.
ALTER TABLE channel_accounts ADD COLUMN status TEXT;
