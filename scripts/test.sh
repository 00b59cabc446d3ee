#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine and runs every test: the engine's and
# the shell's Rust tests (including the check that the TypeScript bindings are
# current), the front end's unit tests, the LAN API fuzzed with schemathesis, and the end-to-end test of the real
# desktop window under Xvfb, and the Linux installers built, installed and
# started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export PATH="$HOME/.cargo/bin:$PATH"

echo "== front end: install, unit tests, build"
(cd ui && npm ci --no-audit --no-fund && npm test && npm run build)
# The update feed the release workflow writes.
node --test installers/latest-json.test.mjs

echo "== Rust: build and test the workspace"
# The app under test looks for updates in a feed the end-to-end test serves,
# signed with the test key in e2e/fixtures (the installers below are built
# without a feed, as a package manager updates them).
export TUBERRY_UPDATE_URL="http://127.0.0.1:47811/latest.json"
TUBERRY_UPDATE_PUBKEY="$(cat e2e/fixtures/update-test.key.pub)"
export TUBERRY_UPDATE_PUBKEY
cargo build --workspace --locked
cargo clippy --workspace --all-targets --locked -- -D warnings
# Bot tokens live in the OS keyring: the tests get a Secret Service of their own.
scripts/with-keyring.sh cargo nextest run --workspace --locked --no-fail-fast

echo "== LAN API: fuzzed against its own OpenAPI document"
scripts/with-keyring.sh scripts/fuzz-api.sh

echo "== end to end: the desktop window"
scripts/with-keyring.sh e2e/run.sh

echo "== installers: build the .deb and .rpm, install the .deb and start it"
unset TUBERRY_UPDATE_URL TUBERRY_UPDATE_PUBKEY
installers/build-linux.sh
TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
scripts/with-keyring.sh installers/test-deb.sh "$(ls -t "$TARGET_DIR"/release/bundle/deb/*.deb | head -n1)"
