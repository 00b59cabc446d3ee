#!/usr/bin/env bash
# Starts the real desktop app under Xvfb through tauri-driver (which drives
# WebKitWebDriver) and runs the end-to-end tests against it.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$HOME/.cargo/bin:$PATH"
TARGET_DIR="${CARGO_TARGET_DIR:-$(cd .. && pwd)/target}"
export TUBERRY_APP="$TARGET_DIR/debug/tuberry-desktop"
FAKES="$TARGET_DIR/debug/tuberry-fakes"
[ -x "$TUBERRY_APP" ] && [ -x "$FAKES" ] || { echo "build the app first: cargo build --workspace" >&2; exit 1; }

[ -d node_modules ] || npm ci --no-audit --no-fund

WORK="$(mktemp -d)"
export TUBERRY_DATA_DIR="$WORK/data"
export TUBERRY_E2E_ARTIFACTS="${TUBERRY_E2E_ARTIFACTS:-$(pwd)/artifacts}"
mkdir -p "$TUBERRY_E2E_ARTIFACTS"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${DISPLAY:-}" ]; then
  export DISPLAY=:97
  # Below the 800 pixels of the window: the tray's bar.
  Xvfb "$DISPLAY" -screen 0 1280x880x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
  pids+=($!)
fi
export LANG=C.UTF-8

# Notifications: a real notification daemon (dunst) on the session bus, and a
# record of every notification the app raises for the tests to read.
command -v dunst >/dev/null || { echo "the tests need dunst (apt-get install dunst)" >&2; exit 1; }
[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || { echo "run inside a D-Bus session (scripts/with-keyring.sh)" >&2; exit 1; }
export TUBERRY_E2E_NOTIFICATIONS="$WORK/notifications.log"
dbus-monitor --session "type='method_call',interface='org.freedesktop.Notifications',member='Notify'" \
  >"$TUBERRY_E2E_NOTIFICATIONS" 2>"$WORK/dbus-monitor.log" &
pids+=($!)
dbus-monitor --session "type='signal',interface='org.freedesktop.Notifications'" \
  >"$WORK/notification-signals.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
  xdpyinfo >/dev/null 2>&1 && break
  sleep 0.1
done
# A daemon the bus starts on demand sees the same display.
dbus-update-activation-environment DISPLAY 2>/dev/null || true
dunst >"$WORK/dunst.log" 2>&1 &
pids+=($!)
owned() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q "boolean true"
}
for _ in $(seq 50); do
  owned org.freedesktop.Notifications && break
  sleep 0.1
done
owned org.freedesktop.Notifications || { echo "the notification daemon did not start" >&2; cat "$WORK/dunst.log" >&2; exit 1; }

# The tray: a StatusNotifierItem host (as KDE Plasma or GNOME's AppIndicator
# extension) in a bar along the bottom of the screen, and a record of the
# count the app tells the launcher (the taskbar badge).
command -v gtk-sni-tray-standalone >/dev/null || { echo "the tests need gtk-sni-tray (apt-get install haskell-gtk-sni-tray-utils)" >&2; exit 1; }
gtk-sni-tray-standalone --watcher --bottom --end --size 32 >"$WORK/tray.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  owned org.kde.StatusNotifierWatcher && break
  sleep 0.1
done
owned org.kde.StatusNotifierWatcher || { echo "the tray did not start" >&2; cat "$WORK/tray.log" >&2; exit 1; }
export TUBERRY_E2E_BADGE="$WORK/badge.log"
dbus-monitor --session "type='signal',interface='com.canonical.Unity.LauncherEntry'" \
  >"$TUBERRY_E2E_BADGE" 2>"$WORK/badge-monitor.log" &
pids+=($!)

# Starts `tuberry-fakes SERVICE` on a free port and exports its address as
# the variable NAME once it listens.
start_fake() {
  local service="$1" name="$2" what="$3"
  "$FAKES" "$service" --port 0 >"$WORK/$service.out" 2>"$WORK/$service.log" &
  pids+=($!)
  for _ in $(seq 100); do
    grep -q "listening on" "$WORK/$service.out" 2>/dev/null && break
    sleep 0.1
  done
  local url
  url="$(sed -n 's/^listening on //p' "$WORK/$service.out" | head -n1)"
  [ -n "$url" ] || { echo "$what did not start" >&2; cat "$WORK/$service.log" >&2; exit 1; }
  export "$name=$url"
}

# Telegram: the local fake Bot API server.
start_fake telegram TUBERRY_FAKE_TELEGRAM "the fake Bot API server"

# Avito is polled every 2 s instead of every minute when idle.
mkdir -p "$TUBERRY_DATA_DIR"
printf '[avito]\npoll_fast_s = 1\npoll_slow_s = 2\n' >"$TUBERRY_DATA_DIR/settings.toml"

# Avito: the local stand-in of Avito's API.
start_fake avito TUBERRY_FAKE_AVITO "the Avito stand-in"

# Staff Telegram accounts: the stand-in behind the account channel's
# interface (MTProto cannot be reached from here), named in the settings.
start_fake telegram-user TUBERRY_FAKE_TELEGRAM_USER "the Telegram accounts' stand-in"
printf '[telegram_account]\nstand_in = "%s"\n' "$TUBERRY_FAKE_TELEGRAM_USER" >>"$TUBERRY_DATA_DIR/settings.toml"

# WhatsApp on the shop's number: the stand-in behind the linked number's
# interface (WhatsApp's servers cannot be reached from here). WhatsApp
# Business Cloud API numbers: the fake of Meta's Graph API. Both are named in
# the settings' one [whatsapp] table.
start_fake whatsapp-web TUBERRY_FAKE_WHATSAPP "the WhatsApp stand-in"
start_fake whatsapp-cloud TUBERRY_FAKE_WHATSAPP_CLOUD "the fake Graph API"
printf '[whatsapp]\nstand_in = "%s"\ncloud_api_url = "%s"\n' "$TUBERRY_FAKE_WHATSAPP" "$TUBERRY_FAKE_WHATSAPP_CLOUD" \
  >>"$TUBERRY_DATA_DIR/settings.toml"

# The language model: a stand-in of an OpenAI-compatible server (as Ollama serves).
start_fake llm TUBERRY_FAKE_LLM "the model server stand-in"

# E-mail: real mail servers (Dovecot and Postfix) on loopback with a control
# API; one line of JSON with their ports once they accept connections.
"$FAKES" mail >"$WORK/mail.out" 2>"$WORK/mail.log" &
mail_pid=$!
pids+=("$mail_pid")
for _ in $(seq 300); do
  grep -q "^mail " "$WORK/mail.out" 2>/dev/null && break
  kill -0 "$mail_pid" 2>/dev/null || break
  sleep 0.1
done
TUBERRY_FAKE_MAIL="$(sed -n 's/^mail //p' "$WORK/mail.out" | head -n1)"
[ -n "$TUBERRY_FAKE_MAIL" ] || { echo "the mail servers did not start" >&2; cat "$WORK/mail.log" >&2; exit 1; }
export TUBERRY_FAKE_MAIL

tauri-driver --port 4444 --native-port 4445 >"$WORK/driver.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/4444) 2>/dev/null && break
  sleep 0.2
done

status=0
if [ "$#" -gt 0 ]; then
  # Only the given test files, e.g. `e2e/run.sh seller-assistant.test.mjs`.
  node --test --test-concurrency=1 --test-reporter=spec "$@" 2>&1 | tee "$WORK/tests.out" || status=$?
else
  npm test 2>&1 | tee "$WORK/tests.out" || status=$?
fi
if [ "$status" -ne 0 ]; then
  echo "--- tauri-driver log"; tail -n 50 "$WORK/driver.log" || true
  echo "--- notifications"; tail -n 40 "$TUBERRY_E2E_NOTIFICATIONS" || true
  echo "--- notification signals"; tail -n 20 "$WORK/notification-signals.log" || true
  echo "--- notification daemon"; tail -n 20 "$WORK/dunst.log" || true
  echo "--- tray"; tail -n 20 "$WORK/tray.log" || true
  echo "--- app log"; tail -n 50 "$TUBERRY_DATA_DIR"/logs/* 2>/dev/null || true
  echo "--- fake Telegram log"; tail -n 50 "$WORK/telegram.log" || true
  echo "--- fake mail log"; tail -n 50 "$WORK/mail.log" || true
  echo "--- Avito stand-in log"; tail -n 50 "$WORK/avito.log" || true
  echo "--- model server stand-in log"; tail -n 50 "$WORK/llm.log" || true
  echo "--- Telegram accounts' stand-in log"; tail -n 50 "$WORK/telegram-user.log" || true
  echo "--- WhatsApp stand-in log"; tail -n 50 "$WORK/whatsapp-web.log" || true
  echo "--- fake Graph API log"; tail -n 50 "$WORK/whatsapp-cloud.log" || true
  echo "--- mail servers log"
  node -e 'fetch(JSON.parse(process.argv[1]).control + "/_control/maillog")
    .then((r) => r.text()).then((t) => process.stdout.write(t))' "$TUBERRY_FAKE_MAIL" || true
  # Last, so that it is what a short tail of the output shows: what failed and why.
  echo "--- failing tests"
  sed -n '/failing tests:/,$p' "$WORK/tests.out" | head -n 80 || true
fi
exit "$status"
