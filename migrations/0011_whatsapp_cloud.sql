-- WhatsApp Business Cloud API numbers: a channel account of kind 'whatsapp'
-- whose external_id is `cloud:<phone_number_id>`. Meta posts the number's
-- messages and statuses to the LAN endpoint (through a public HTTPS address
-- the owner forwards), and replies leave through Meta's Graph API.

CREATE TABLE whatsapp_cloud_numbers (
    channel_account_id  INTEGER PRIMARY KEY REFERENCES channel_accounts(id) ON DELETE CASCADE,
    -- Meta's id of the number (digits), as in /{version}/{phone_number_id}/messages.
    phone_number_id     TEXT NOT NULL,
    -- The number as Meta shows it, when known (from the webhooks' metadata).
    display_phone       TEXT,
    -- Names of the OS keyring entries of the access token, the app secret
    -- (webhook signatures) and the webhook verify token; never the secrets.
    token_ref           TEXT NOT NULL,
    app_secret_ref      TEXT NOT NULL,
    verify_token_ref    TEXT NOT NULL,
    -- The Graph API's address and version.
    api_url             TEXT NOT NULL DEFAULT 'https://graph.facebook.com',
    api_version         TEXT NOT NULL DEFAULT 'v23.0',
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE UNIQUE INDEX whatsapp_cloud_numbers_phone ON whatsapp_cloud_numbers (phone_number_id);

-- The parts of a WhatsApp reply already accepted (a long text is split;
-- each file is a message of its own), so a retried reply does not send a
-- part twice. For linked numbers and Cloud API numbers alike.
CREATE TABLE whatsapp_sent_parts (
    message_id   INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    part         INTEGER NOT NULL,
    external_id  TEXT NOT NULL,
    PRIMARY KEY (message_id, part)
);
