-- Message templates of WhatsApp Business Cloud API numbers: Meta takes only
-- an approved template once 24 hours have passed since the customer's last
-- message. The templates are listed from the number's WhatsApp Business
-- Account; a reply sent as a template keeps which one, in which language,
-- with which parameters (its text is the template filled in).

-- Meta's id of the business account the number belongs to (digits), when
-- the owner gave it.
ALTER TABLE whatsapp_cloud_numbers ADD COLUMN business_account_id TEXT;

CREATE TABLE whatsapp_template_replies (
    message_id  INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    language    TEXT NOT NULL,
    -- The body's parameters in order, as a JSON array of strings.
    params      TEXT NOT NULL
);
