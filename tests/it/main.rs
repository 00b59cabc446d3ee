//! Engine integration tests: one binary, a fresh SQLite file per test, a
//! manual clock instead of sleeps.

#![allow(clippy::unwrap_used)]

mod cli;
mod helpers;
mod ingest;
mod outbox;
mod queue;
mod store;
