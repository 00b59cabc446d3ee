-- A part of a reply about to go to Avito, noted before the call: when the
-- run ends before Avito's answer is recorded in avito_sent_parts, the next
-- attempt looks for the part in the chat before sending it again.
CREATE TABLE avito_parts_tried (
    message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    part        INTEGER NOT NULL,
    tried_at    INTEGER NOT NULL,
    PRIMARY KEY (message_id, part)
);
