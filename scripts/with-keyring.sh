#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked Secret Service
# (gnome-keyring), as a desktop session provides: Tuberry keeps bot tokens and
# passwords there. Used by the tests on machines without a desktop session.
set -euo pipefail
if [ -z "${TUBERRY_KEYRING_SESSION:-}" ]; then
  export TUBERRY_KEYRING_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi
# A throwaway login keyring under a temporary home, unlocked with a throwaway password.
keyring_home="$(mktemp -d)"
export XDG_DATA_HOME="$keyring_home/data"
mkdir -p "$XDG_DATA_HOME"
eval "$(printf '%s' "tuberry-test" | gnome-keyring-daemon --unlock --components=secrets | sed 's/^/export /')"
trap 'rm -rf "$keyring_home"' EXIT
"$@"
