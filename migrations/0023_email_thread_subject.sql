-- A mail without In-Reply-To or References joins the thread of the same
-- subject from the same address: found by an index, not by reading every
-- mail of the mailbox (an import of many mails slowed down with each one).
CREATE INDEX email_messages_subject ON email_messages (channel_account_id, thread_subject);
