#!/usr/bin/env bash
# Installs what building, running and testing Tuberry needs on Debian or Ubuntu:
# the WebKitGTK stack for the window, the Secret Service (gnome-keyring) that
# keeps tokens, Xvfb and WebKitWebDriver for the end-to-end test, Node.js for
# the front end, and tauri-driver.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  build-essential pkg-config curl file
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev
  xvfb xauth webkit2gtk-driver
  gnome-keyring libsecret-tools dbus-daemon
)
if [ "${1:-}" != "--run-only" ]; then
  PACKAGES+=(imagemagick x11-utils)
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "Rust is not installed: installing it with rustup"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

if [ "${1:-}" != "--run-only" ]; then
  if ! command -v cargo-nextest >/dev/null; then
    cargo install cargo-nextest --locked
  fi
  if ! command -v tauri-driver >/dev/null; then
    cargo install tauri-driver --locked
  fi
fi
