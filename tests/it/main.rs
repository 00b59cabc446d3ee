//! Engine integration tests: one binary, a fresh SQLite file per test. The
//! queue's tests use a manual clock instead of sleeps; the Telegram tests run
//! against a local fake Bot API server in real (scaled-down) time.

#![allow(clippy::unwrap_used)]

mod cli;
mod email;
mod helpers;
mod ingest;
mod mail_server;
mod outbox;
mod queue;
mod store;
mod telegram;
