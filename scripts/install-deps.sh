#!/usr/bin/env bash
# Installs what building, running and testing Tuberry needs on Debian or Ubuntu:
# the WebKitGTK stack for the window, the Secret Service (gnome-keyring) that
# keeps tokens, Xvfb, WebKitWebDriver, a notification daemon (dunst) and a
# tray (gtk-sni-tray) for the end-to-end test, Dovecot and
# Postfix for the e-mail tests, Python's venv for the LAN API's fuzzing,
# Node.js for the front end, and tauri-driver.
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
  # The end-to-end test reads the desktop notifications from a real daemon,
  # and opens the tray icon's menu in a real StatusNotifierItem host; the
  # benchmark (examples/bench) scrolls the app's list with xdotool.
  PACKAGES+=(dunst haskell-gtk-sni-tray-utils xdotool libglib2.0-bin)
  # It reads the Telegram login's QR code off a screenshot.
  PACKAGES+=(zbar-tools)
  # The e-mail tests start private Dovecot and Postfix instances of their own.
  PACKAGES+=(dovecot-imapd dovecot-lmtpd postfix openssl)
  # The LAN API is fuzzed with schemathesis (from PyPI, in a venv).
  PACKAGES+=(python3 python3-venv)
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
installing() { [[ " ${missing[*]} " == *" $1 "* ]]; }
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  if installing postfix; then
    # Otherwise the install asks how this machine should handle mail.
    echo "postfix postfix/main_mailer_type select Local only" | $SUDO debconf-set-selections
    echo "postfix postfix/mailname string localhost" | $SUDO debconf-set-selections
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  # The install may start the system-wide mail services; nothing needs them.
  if installing postfix; then
    $SUDO service postfix stop >/dev/null 2>&1 || true
  fi
  if installing dovecot-imapd || installing dovecot-lmtpd; then
    $SUDO service dovecot stop >/dev/null 2>&1 || true
  fi
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
