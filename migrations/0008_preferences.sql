-- The desktop's own choices (notifications on or off, hints already shown):
-- small named values that settings.toml does not hold.
CREATE TABLE preferences (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
