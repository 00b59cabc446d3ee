-- A bot may reach its Bot API server through a proxy (where Telegram is
-- throttled). The proxy's address can hold a password: it is kept in the
-- OS keyring under `proxy_ref`.
ALTER TABLE telegram_bots ADD COLUMN proxy_ref TEXT;
