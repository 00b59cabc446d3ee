#!/usr/bin/env bash
# Builds the Linux installers (.deb and .rpm) into
# $CARGO_TARGET_DIR/release/bundle: the window's front end, the desktop
# binary in a release build, then the packages, which also carry the
# `tuberry` command (a script that runs the desktop binary as the command
# line, so the package holds one program) and a systemd user unit for
# `tuberry serve`. Prints each package's size.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BUNDLES="${1:-deb,rpm}"
# Anything after the bundles goes to `tauri bundle` (e.g. --config FILE).
shift || true

(cd ui && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)
cargo build --release --package tuberry-desktop --bin tuberry-desktop --locked

# The Tauri CLI reads CI as its --ci flag, which takes only true or false.
if [ -n "${CI:-}" ]; then export CI=true; fi
ui/node_modules/.bin/tauri bundle --bundles "$BUNDLES" "$@"

for package in "$TARGET_DIR"/release/bundle/deb/*.deb "$TARGET_DIR"/release/bundle/rpm/*.rpm; do
  [ -e "$package" ] || continue
  printf '%s: %s MiB\n' "$(basename "$package")" "$(awk "BEGIN { printf \"%.2f\", $(stat -c %s "$package") / 1048576 }")"
done
