#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine and starts the Tuberry desktop app.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --run-only
export PATH="$HOME/.cargo/bin:$PATH"
(cd ui && npm ci --no-audit --no-fund && npm run build)
cargo build --workspace --release --bin tuberry-desktop
exec target/release/tuberry-desktop
