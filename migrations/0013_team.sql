-- The team: people linked to the app through a project's bot, each with a
-- role. The owner links first (a single-use link token from the window);
-- everyone else joins with an invite. Once the owner is linked, only linked
-- people whose role allows it answer customers from the work groups.

CREATE TABLE people (
    id                INTEGER PRIMARY KEY,
    telegram_user_id  INTEGER NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    username          TEXT,
    role              TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'operator')),
    -- Every project when NULL; else a JSON array of project ids.
    project_ids       TEXT CHECK (project_ids IS NULL OR json_valid(project_ids)),
    linked_at         INTEGER NOT NULL,
    -- Removed people keep their row (authorship of old answers) but answer nothing.
    removed_at        INTEGER
);
CREATE UNIQUE INDEX people_one_owner ON people (role) WHERE role = 'owner' AND removed_at IS NULL;

-- A link the owner opens in Telegram to become the owner: `start=<token>`.
-- Only its SHA-256 is kept; it is used once and lapses.
CREATE TABLE owner_links (
    token_hash  TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);

CREATE TABLE invites (
    id          INTEGER PRIMARY KEY,
    -- SHA-256 of the code (the code itself is shown once).
    code_hash   TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'operator')),
    project_ids TEXT CHECK (project_ids IS NULL OR json_valid(project_ids)),
    label       TEXT,
    max_uses    INTEGER NOT NULL CHECK (max_uses > 0),
    uses        INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE invite_uses (
    invite_id   INTEGER NOT NULL REFERENCES invites(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    used_at     INTEGER NOT NULL,
    PRIMARY KEY (invite_id, person_id)
);

-- Wrong codes sent to a bot, per Telegram user, for throttling guesses.
CREATE TABLE code_attempts (
    telegram_user_id  INTEGER PRIMARY KEY,
    failures          INTEGER NOT NULL,
    window_start      INTEGER NOT NULL
);

-- Work group members told once how to join (their message kept as a note).
CREATE TABLE join_hints (
    telegram_user_id  INTEGER PRIMARY KEY,
    told_at           INTEGER NOT NULL
);

-- Who of the team wrote an outbound message (operators' answers from topics).
ALTER TABLE messages ADD COLUMN person_id INTEGER REFERENCES people(id);
