//! Engine integration tests: one binary, a fresh SQLite file per test. The
//! queue's tests use a manual clock instead of sleeps; the Telegram and Avito
//! tests run against local fakes of their APIs in real (scaled-down) time.

#![allow(clippy::unwrap_used)]

mod accounts;
mod architecture;
mod assistant;
mod assistant_topics;
mod auto_reply;
mod avito;
mod backup;
mod catalogue;
mod cli;
mod daily;
mod daily_send;
mod dashboard;
mod email;
mod faults;
mod faults_mixed;
mod guardrails;
mod helpers;
mod ingest;
mod lan_api;
mod lan_api_endpoint;
mod lan_api_send;
mod mail_server;
mod notices;
mod outbox;
mod parsers;
mod planted;
mod providers;
mod queue;
mod receiver;
mod serve;
mod settings;
mod store;
mod support;
mod telegram;
mod telegram_account;
mod webhooks;
mod whatsapp;
mod whatsapp_cloud;
