#!/usr/bin/env bash
# Fuzzes the LAN API against the OpenAPI document it serves, with
# schemathesis (from PyPI): first only invalid requests — every one refused
# with a documented 4xx and the store left as it was (rows of every table
# counted before and after) — then valid ones: no 5xx, and every answer
# (status, content type, body) as the document says.
# Needs a built `tuberry` (cargo build) and python3 with venv.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
TUBERRY="$TARGET_DIR/debug/tuberry"
VENV="${TUBERRY_FUZZ_VENV:-$HOME/.cache/tuberry/schemathesis-4.32.5}"
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==4.32.5"
fi

DATA="$(mktemp -d)"
PORT="${TUBERRY_FUZZ_PORT:-47833}"
SERVE=""
trap '[ -n "$SERVE" ] && kill "$SERVE" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$DATA"' EXIT
printf '[http]\nlisten = "127.0.0.1:%s"\n' "$PORT" >"$DATA/settings.toml"
export TUBERRY_DATA_DIR="$DATA"
TOKEN="$("$TUBERRY" --json api-token create "Fuzzing" --scope admin |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')"
PROVIDER_JSON="$("$TUBERRY" --json provider add "Fuzzed website chat")"
PROVIDER_TOKEN="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["token"])' "$PROVIDER_JSON")"
PROVIDER_ID="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["provider"]["id"])' "$PROVIDER_JSON")"
"$TUBERRY" simulate --from "Fuzz Customer" "Hello, is the shop open?" >/dev/null
# The API's token for its routes; the provider's own token for the
# provider's webhook — and, for valid requests, its id in the path (invalid
# ones must keep their invalid paths: a fixed one would make them valid).
cat >"$DATA/negative.toml" <<TOML
headers = { Authorization = "Bearer $TOKEN" }

[[operations]]
include-path = "/api/v1/webhook/{provider}"
headers = { Authorization = "Bearer $PROVIDER_TOKEN" }
TOML
{ cat "$DATA/negative.toml"; echo "parameters = { provider = $PROVIDER_ID }"; } >"$DATA/positive.toml"
"$TUBERRY" serve >"$DATA/serve.log" 2>&1 &
SERVE=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
  curl -fsS "$BASE/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$BASE/health" >/dev/null

rows() {
  python3 - "$DATA/tuberry.sqlite3" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
counts = {t: db.execute('SELECT count(*) FROM "%s"' % t).fetchone()[0] for t in tables}
print(" ".join(f"{t}={n}" for t, n in counts.items()))
PY
}

run() {
  local config="$1"
  shift
  # From the run's own directory: schemathesis keeps its cache where it runs.
  (cd "$DATA" && "$VENV/bin/schemathesis" --config-file "$DATA/$config.toml" run "$BASE/api/v1/openapi.json" \
    --rate-limit 15/s --max-examples "${TUBERRY_FUZZ_EXAMPLES:-60}" --seed 7 \
    --suppress-health-check all \
    --warnings off "$@")
}

echo "== invalid requests: refused, and nothing written"
before="$(rows)"
run negative --mode negative --phases coverage,fuzzing \
  --checks not_a_server_error,negative_data_rejection,status_code_conformance,content_type_conformance,response_schema_conformance
after="$(rows)"
if [ "$before" != "$after" ]; then
  echo "the store changed under invalid requests:" >&2
  diff <(tr ' ' '\n' <<<"$before") <(tr ' ' '\n' <<<"$after") >&2 || true
  exit 1
fi
echo "store unchanged: $after"

echo "== valid requests: no server error, every answer as documented"
run positive --mode positive --phases examples,coverage,fuzzing \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
sent="$(rows | tr ' ' '\n' | sed -n 's/^api_sends=//p')"
echo "messages sent by valid requests: $sent"
rows
if [ "$sent" -lt 1 ]; then
  echo "no valid request got through: is the token accepted?" >&2
  exit 1
fi
posted="$(python3 - "$DATA/tuberry.sqlite3" "$PROVIDER_ID" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(db.execute("SELECT count(*) FROM messages WHERE channel_account_id = ?", (int(sys.argv[2]),)).fetchone()[0])
PY
)"
echo "messages posted by the provider: $posted"
if [ "$posted" -lt 1 ]; then
  echo "no valid message of the provider got through: is its token accepted?" >&2
  exit 1
fi
if grep -q '"level":"ERROR"' "$DATA"/logs/*.log 2>/dev/null; then
  echo "errors were logged while fuzzing:" >&2
  grep '"level":"ERROR"' "$DATA"/logs/*.log >&2
  exit 1
fi
