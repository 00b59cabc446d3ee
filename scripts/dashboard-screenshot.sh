#!/usr/bin/env bash
# Takes docs/dashboard.png: the real desktop window (under Xvfb, through
# tauri-driver) on a store seeded by the Dashboard benchmark, reshaped so the
# days and hours look like a shop's (fewer customers at night and on Sundays,
# slower answers at busy times). Run inside scripts/with-keyring.sh after
# `cd ui && npm run build` and `cargo build --workspace`.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "${KEEP_WORK:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/data" "$WORK/shots"
DASHBOARD_BENCH_KEEP="$WORK/data/tuberry.sqlite3" cargo run --release --example dashboard_bench 20000 60
sqlite3 "$WORK/data/tuberry.sqlite3" <<'SQL'
CREATE TEMP TABLE gone (id INTEGER PRIMARY KEY);
INSERT OR IGNORE INTO gone SELECT id FROM conversations
  WHERE ((created_at / 3600000) + 3) % 24 NOT BETWEEN 8 AND 21 AND id % 6 <> 0;
INSERT OR IGNORE INTO gone SELECT id FROM conversations
  WHERE strftime('%w', created_at / 1000, 'unixepoch') = '0' AND id % 3 <> 0;
INSERT OR IGNORE INTO gone SELECT id FROM conversations
  WHERE strftime('%w', created_at / 1000, 'unixepoch') = '6' AND id % 3 = 0;
INSERT OR IGNORE INTO gone SELECT id FROM conversations
  WHERE ((created_at / 3600000) + 3) % 24 IN (8, 9, 20, 21) AND id % 2 = 0;
INSERT OR IGNORE INTO gone SELECT id FROM conversations
  WHERE id % 97 < (CAST(strftime('%j', created_at / 1000, 'unixepoch') AS INTEGER) * 7) % 40;
DELETE FROM messages WHERE conversation_id IN (SELECT id FROM gone);
DELETE FROM conversations WHERE id IN (SELECT id FROM gone);
UPDATE messages SET created_at = created_at + ((conversation_id * 7) % 23) * 60000
  WHERE direction = 'out' AND conversation_id % 4 = 0;
SQL
# tauri-driver starts the app: it passes on its own environment.
export DISPLAY=:96 LANG=C.UTF-8 TUBERRY_DATA_DIR="$WORK/data"
Xvfb "$DISPLAY" -screen 0 1280x880x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
pids+=($!)
tauri-driver --port 4444 --native-port 4445 >"$WORK/driver.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/4444) 2>/dev/null && break
  sleep 0.2
done
(cd e2e && [ -d node_modules ] || npm ci --no-audit --no-fund)
TUBERRY_APP="$(pwd)/target/debug/tuberry-desktop" TUBERRY_E2E_ARTIFACTS="$WORK/shots" node e2e/dashboard-shot.mjs
cp "$WORK/shots/dashboard.png" docs/dashboard.png
echo "docs/dashboard.png updated"
