#!/usr/bin/env bash
# Installs a built .deb on this machine as a seller would, checks what it
# put in place (the app, its menu entry, the `tuberry` command, the systemd
# user unit), starts the installed app under Xvfb on a fresh data directory,
# compares its first screen with the expected one, then removes the package.
# Run inside a D-Bus session with a keyring (scripts/with-keyring.sh).
set -euo pipefail
DEB="$(realpath "$1")"
cd "$(dirname "$0")"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
ARTIFACTS="${TUBERRY_E2E_ARTIFACTS:-$(pwd)/../e2e/artifacts}"
mkdir -p "$ARTIFACTS"
WORK="$(mktemp -d)"
app_pid=""
xvfb_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  $SUDO apt-get remove -y -qq tuberry >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "installed package: $*" >&2; [ -f "$WORK/app.log" ] && tail -n 30 "$WORK/app.log" >&2; exit 1; }

printf 'package: %s, %s MiB\n' "$(basename "$DEB")" "$(awk "BEGIN { printf \"%.2f\", $(stat -c %s "$DEB") / 1048576 }")"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$DEB" >"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log" >&2; fail "apt-get install failed"; }

[ -x /usr/bin/tuberry-desktop ] || fail "no /usr/bin/tuberry-desktop"
[ -x /usr/bin/tuberry ] || fail "no tuberry command"
/usr/bin/tuberry --help | grep -q serve || fail "the tuberry command does not offer serve"
# The command works on data of its own: a simulated customer's message is in
# its inbox.
/usr/bin/tuberry --data-dir "$WORK/cli" simulate --from "Installed Anna" "Is it in stock?" >"$WORK/cli.log" 2>&1 \
  || { cat "$WORK/cli.log" >&2; fail "tuberry simulate failed"; }
/usr/bin/tuberry --data-dir "$WORK/cli" conversations | grep -q "Installed Anna" \
  || fail "the tuberry command's inbox does not hold the simulated message"
[ -f /usr/lib/systemd/user/tuberry.service ] || fail "no systemd user unit"
grep -q '^ExecStart=/usr/bin/tuberry serve' /usr/lib/systemd/user/tuberry.service || fail "the unit does not start tuberry serve"
entry="$(grep -l '^Exec=tuberry-desktop' /usr/share/applications/*.desktop 2>/dev/null | head -n1)"
[ -n "$entry" ] || fail "no menu entry"
grep -q '^Name=Tuberry' "$entry" || fail "the menu entry is not named Tuberry"
dpkg-query -W -f='${Maintainer}\n' tuberry | grep -q '@' || fail "no maintainer address"
echo "installed: app, menu entry $entry, tuberry command, systemd user unit"

export DISPLAY=:95
Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
export TUBERRY_DATA_DIR="$WORK/data" LANG=C.UTF-8
# As the menu entry starts it.
/usr/bin/tuberry-desktop >"$WORK/app.log" 2>&1 &
app_pid=$!

window=""
for _ in $(seq 150); do
  kill -0 "$app_pid" 2>/dev/null || fail "the app ended at start"
  window="$(xwininfo -root -tree 2>/dev/null | awk '/"Tuberry": \(/ { print $1; exit }')"
  [ -n "$window" ] && break
  sleep 0.2
done
[ -n "$window" ] || fail "no window named Tuberry appeared"

# The first screen once it is drawn and stops changing: the web view shows
# an empty page of one colour until the front end's first paint.
expected="$(pwd)/linux/first-screen.png"
shot="$ARTIFACTS/installed-first-screen.png"
previous=""
for _ in $(seq 60); do
  sleep 0.5
  import -window "$window" "$WORK/now.png" 2>/dev/null || continue
  colours="$(convert "$WORK/now.png" -format %k info: 2>/dev/null || echo 0)"
  [ "$colours" -gt 16 ] || continue
  now="$(md5sum <"$WORK/now.png")"
  [ "$now" = "$previous" ] && break
  previous="$now"
done
cp "$WORK/now.png" "$shot"
if [ "${TUBERRY_WRITE_FIRST_SCREEN:-}" = 1 ]; then
  cp "$shot" "$expected"
  echo "wrote $expected"
  exit 0
fi
# Normalised root-mean-square difference, 0 (same) to 1.
difference="$( (compare -metric RMSE "$expected" "$shot" null: 2>&1 || true) | sed -n 's/.*(\([0-9.e-]*\)).*/\1/p')"
[ -n "$difference" ] || fail "the screenshot could not be compared (sizes differ?)"
echo "first screen differs from the expected one by $difference (RMSE)"
awk "BEGIN { exit !($difference < 0.05) }" || fail "the first screen is not the inbox (see $shot)"
echo "the installed app starts and shows the inbox"
