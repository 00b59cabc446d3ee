-- no-transaction
-- Providers: a shop's own system (its website's chat…) posting its
-- customers' messages to Tuberry, as a channel kind of its own ("custom"),
-- its customers known as "custom" identities ("{account}:{their id}").
-- SQLite cannot widen a CHECK in place: channel_accounts and
-- contact_identities are rebuilt as SQLite describes (foreign keys off
-- outside the transaction, a new table, the rows copied, renamed), all or
-- nothing.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE channel_accounts_next (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER REFERENCES projects(id) ON DELETE SET NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('simulator', 'telegram_bot', 'telegram_account', 'avito', 'whatsapp', 'email', 'custom')),
    name         TEXT NOT NULL,
    -- The account's own id at the provider (bot id, Avito user id, mailbox address...).
    external_id  TEXT NOT NULL,
    -- Non-secret settings as JSON; secrets live in the OS keyring.
    settings     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
    enabled      INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    status       TEXT,
    UNIQUE (kind, external_id)
);
INSERT INTO channel_accounts_next (id, project_id, kind, name, external_id, settings, enabled, created_at, status)
    SELECT id, project_id, kind, name, external_id, settings, enabled, created_at, status FROM channel_accounts;
DROP TABLE channel_accounts;
ALTER TABLE channel_accounts_next RENAME TO channel_accounts;

CREATE TABLE contact_identities_next (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('simulator', 'telegram_user', 'telegram_username', 'avito_user', 'email', 'phone', 'whatsapp', 'custom')),
    value       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (kind, value)
);
INSERT INTO contact_identities_next (id, contact_id, kind, value, created_at)
    SELECT id, contact_id, kind, value, created_at FROM contact_identities;
DROP TABLE contact_identities;
ALTER TABLE contact_identities_next RENAME TO contact_identities;
CREATE INDEX contact_identities_contact ON contact_identities (contact_id);

-- A provider's token: only its SHA-256 here (to recognise it), the token
-- itself in the OS keyring under secret_ref (replies are signed with it).
CREATE TABLE custom_providers (
    channel_account_id  INTEGER PRIMARY KEY REFERENCES channel_accounts(id) ON DELETE CASCADE,
    token_hash          TEXT NOT NULL UNIQUE,
    secret_ref          TEXT NOT NULL,
    -- Where replies to its customers are POSTed; none: it takes no replies.
    reply_url           TEXT
);

COMMIT;
PRAGMA foreign_keys = ON;
