//! What happens after a customer writes, as queued jobs:
//!
//! ```text
//!  ingest ──► assistant.inbound (per message, after it is stored)
//!               ├─ auto-reply on now? ──► assistant.auto_reply at +delay: sent once per
//!               │                         period unless someone answered meanwhile
//!               └─ assistant on? ──► catalogue rows + history + persona ──► model
//!                     ├─ drafts:    a draft in the composer and the topic
//!                     ├─ automatic: the answer, through the outbox (and its guard)
//!                     └─ unsure / off-topic / asks for a person: needs_human + a line in the topic
//! ```
//!
//! A newer customer message supersedes an older one's run (the newer run sees
//! both), and a person's reply makes the assistant and the auto-responder
//! stand down.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use super::Core;
use super::language::{self, Lang};
use super::llm::{LlmError, Sampling};
use super::model::{AssistantMode, AutoReplyMode, LlmSettings, RunOutcome, UsedRow};
use super::prompt::{self, Answer, PromptInput, Turn};
use super::{catalogue, config, persona, schedule};
use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::model::{AuthorKind, ChannelKind, ConversationStatus, Language};
use crate::operators::{mirror, text};
use crate::outbox::Reply;
use crate::queue::{self, Job, JobError, JobHandler, NewJob};
use crate::store::parse_column;

pub const INBOUND_JOB: &str = "assistant.inbound";
pub const AUTO_REPLY_JOB: &str = "assistant.auto_reply";
pub const JOB_VERSION: i64 = 1;

/// A model server that is down is asked again a few times, then a person is told.
const INBOUND_ATTEMPTS: i64 = 4;
/// Messages of the conversation read for the prompt (trimmed to fit after).
const HISTORY: i64 = 40;

#[derive(Debug, Serialize, Deserialize)]
struct InboundPayload {
    message_id: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct AutoReplyPayload {
    pub(super) message_id: i64,
    /// The active period the customer wrote in.
    pub(super) period_start: Millis,
}

fn destination(conversation_id: i64) -> String {
    format!("assistant:{conversation_id}")
}

/// Queues a look at a stored customer message, inside the ingest transaction,
/// when its project may answer on its own (or it is the Test chat's).
pub async fn enqueue_inbound(
    db: &mut SqliteConnection,
    now: Millis,
    conversation_id: i64,
    message_id: i64,
) -> Result<()> {
    let row: Option<(Option<i64>, String)> = sqlx::query_as(
        "SELECT a.project_id, a.kind FROM conversations c
         JOIN channel_accounts a ON a.id = c.channel_account_id WHERE c.id = ?1",
    )
    .bind(conversation_id)
    .fetch_optional(&mut *db)
    .await?;
    let Some((Some(project_id), kind)) = row else {
        return Ok(());
    };
    let test_chat = kind == ChannelKind::Simulator.as_str();
    let answers = config::is_active(&mut *db, project_id).await?
        || (test_chat && config::model_chosen(&mut *db).await?);
    if !answers {
        return Ok(());
    }
    let mut job = NewJob::new(
        INBOUND_JOB,
        JOB_VERSION,
        serde_json::json!(InboundPayload { message_id }),
        format!("{INBOUND_JOB}:{message_id}"),
        destination(conversation_id),
    );
    job.max_attempts = Some(INBOUND_ATTEMPTS);
    queue::enqueue(db, now, INBOUND_ATTEMPTS, job).await?;
    Ok(())
}

/// A customer message and where it belongs.
pub(super) struct Context {
    pub(super) message_id: i64,
    pub(super) conversation_id: i64,
    pub(super) created_at: Millis,
    pub(super) text: String,
    pub(super) project_id: i64,
    pub(super) project_name: String,
    pub(super) language: Language,
    pub(super) channel: ChannelKind,
    /// The channel a Test chat customer pretends to write on.
    pub(super) simulated: Option<ChannelKind>,
}

pub(super) async fn context(db: &mut SqliteConnection, message_id: i64) -> Result<Option<Context>> {
    type Row = (
        i64,
        Millis,
        String,
        Option<i64>,
        String,
        String,
        String,
        String,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT m.conversation_id, m.created_at, m.text, a.project_id, p.name, p.language, a.kind,
                c.external_thread_id
         FROM messages m JOIN conversations c ON c.id = m.conversation_id
         JOIN channel_accounts a ON a.id = c.channel_account_id
         LEFT JOIN projects p ON p.id = a.project_id
         WHERE m.id = ?1 AND m.direction = 'in'",
    )
    .bind(message_id)
    .fetch_optional(&mut *db)
    .await?;
    let Some((conversation_id, created_at, text, Some(project_id), name, language, kind, thread)) =
        row
    else {
        return Ok(None);
    };
    let channel: ChannelKind = parse_column("channel_accounts.kind", &kind)?;
    let simulated = if channel == ChannelKind::Simulator {
        let kind: Option<String> = sqlx::query_scalar(
            "SELECT channel_kind FROM simulator_transcript WHERE customer = ?1 AND direction = 'in'
             ORDER BY id DESC LIMIT 1",
        )
        .bind(&thread)
        .fetch_optional(&mut *db)
        .await?
        .flatten();
        kind.and_then(|k| k.parse().ok())
    } else {
        None
    };
    Ok(Some(Context {
        message_id,
        conversation_id,
        created_at,
        text,
        project_id,
        project_name: name,
        language: parse_column("projects.language", &language)?,
        channel,
        simulated,
    }))
}

/// Whether anyone replied (a person, the assistant, the auto-responder)
/// after `message_id` in its conversation.
pub(super) async fn answered_after(
    db: &mut SqliteConnection,
    conversation_id: i64,
    message_id: i64,
) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?1 AND id > ?2 AND direction = 'out'
                        AND (delivery IS NULL OR delivery != 'failed'))",
    )
    .bind(conversation_id)
    .bind(message_id)
    .fetch_one(&mut *db)
    .await?)
}

/// Whether a manager or an operator wrote after `message_id`.
async fn person_answered_after(
    db: &mut SqliteConnection,
    conversation_id: i64,
    message_id: i64,
) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?1 AND id > ?2
                        AND author_kind IN ('manager', 'operator'))",
    )
    .bind(conversation_id)
    .bind(message_id)
    .fetch_one(&mut *db)
    .await?)
}

pub(super) fn retry(e: Error) -> JobError {
    JobError::Retry(e.to_string())
}

pub(super) fn payload<T: serde::de::DeserializeOwned>(job: &Job) -> Result<T, JobError> {
    serde_json::from_value(job.payload.clone())
        .map_err(|e| JobError::Fatal(format!("bad payload: {e}")))
}

impl Core {
    async fn inbound(&self, job: &Job) -> Result<(), JobError> {
        let InboundPayload { message_id } = payload(job)?;
        let mut conn = self.store.conn().await.map_err(retry)?;
        let Some(cx) = context(&mut conn, message_id).await.map_err(retry)? else {
            // Gone (the Test chat was reset) or no longer in a project.
            return Ok(());
        };
        let settings = config::load(&mut conn, cx.project_id)
            .await
            .map_err(retry)?;
        drop(conn);
        if job.attempts == 1 {
            self.schedule_auto_reply(&cx, &settings)
                .await
                .map_err(retry)?;
        }
        let test_chat = cx.channel == ChannelKind::Simulator;
        let mode = if test_chat
            && config::model_chosen(self.store.pool())
                .await
                .map_err(retry)?
        {
            // The Test chat is where the owner tries the assistant out.
            AssistantMode::Automatic
        } else {
            settings.mode
        };
        if mode == AssistantMode::Off {
            return Ok(());
        }
        let mut conn = self.store.conn().await.map_err(retry)?;
        let newer: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?1 AND id > ?2 AND direction = 'in')",
        )
        .bind(cx.conversation_id)
        .bind(message_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| retry(e.into()))?;
        let person_answered = person_answered_after(&mut conn, cx.conversation_id, message_id)
            .await
            .map_err(retry)?;
        drop(conn);
        if newer || person_answered {
            tracing::debug!(message_id, newer, person_answered, "assistant stands down");
            return Ok(());
        }
        if prompt::asks_for_person(&cx.text) {
            let reason = match cx.language {
                Language::Ru => "клиент просит человека",
                Language::En => "the customer asks for a person",
            };
            return self
                .finish(&cx, mode, Outcome::Handoff(reason.into()), &[], None, None)
                .await
                .map_err(retry);
        }
        let (endpoint, llm) = self.endpoint().await.map_err(retry)?;
        let (rows, language, prompt_messages) =
            self.prompt(&cx, &settings, &llm).await.map_err(retry)?;
        let sampling = Sampling {
            max_tokens: llm.max_tokens,
            temperature: llm.temperature,
        };
        let answer = match self
            .llm
            .complete(&endpoint, &prompt_messages, sampling)
            .await
        {
            Ok(completion) => completion,
            Err(e) if e.is_transient() && job.attempts < job.max_attempts => {
                return Err(JobError::Retry(e.to_string()));
            }
            Err(e) => {
                tracing::warn!(message_id, error = %e, "the assistant could not answer");
                return self
                    .finish(
                        &cx,
                        mode,
                        Outcome::Failed(e),
                        &rows,
                        Some(language),
                        Some(llm.model),
                    )
                    .await
                    .map_err(retry);
            }
        };
        let outcome = match prompt::read_answer(&answer.text) {
            Answer::Reply(text) => Outcome::Reply(text),
            Answer::Handoff(reason) => Outcome::Handoff(if reason.is_empty() {
                "unsure".into()
            } else {
                reason
            }),
        };
        self.finish(
            &cx,
            mode,
            outcome,
            &rows,
            Some(language),
            Some(answer.model),
        )
        .await
        .map_err(retry)
    }

    /// Queues the auto-reply when the customer wrote in an active period.
    async fn schedule_auto_reply(
        &self,
        cx: &Context,
        settings: &super::model::AssistantSettings,
    ) -> Result<()> {
        if settings.auto_reply == AutoReplyMode::Off || settings.auto_reply_text.trim().is_empty() {
            return Ok(());
        }
        let tz = schedule::zone(&settings.time_zone).unwrap_or_else(|_| schedule::system_zone());
        let Some(period) =
            schedule::active_at(settings.auto_reply, &settings.schedule, tz, cx.created_at)
        else {
            return Ok(());
        };
        let mut tx = self.store.write().await?;
        let mut job = NewJob::new(
            AUTO_REPLY_JOB,
            JOB_VERSION,
            serde_json::json!(AutoReplyPayload {
                message_id: cx.message_id,
                period_start: period.start,
            }),
            format!("{AUTO_REPLY_JOB}:{}", cx.message_id),
            format!("auto-reply:{}", cx.conversation_id),
        );
        job.run_at = Some(cx.created_at + i64::from(settings.auto_reply_delay_s) * 1000);
        queue::enqueue(&mut tx, self.clock.now_ms(), self.max_attempts, job).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn prompt(
        &self,
        cx: &Context,
        settings: &super::model::AssistantSettings,
        llm: &LlmSettings,
    ) -> Result<(Vec<UsedRow>, Lang, Vec<super::llm::ChatMessage>)> {
        let mut conn = self.store.conn().await?;
        let mut history: Vec<(String, String)> = sqlx::query_as(
            "SELECT direction, text FROM messages
             WHERE conversation_id = ?1 AND id <= ?2 AND (delivery IS NULL OR delivery != 'failed')
               AND trim(text) != ''
             ORDER BY id DESC LIMIT ?3",
        )
        .bind(cx.conversation_id)
        .bind(cx.message_id)
        .bind(HISTORY)
        .fetch_all(&mut *conn)
        .await?;
        history.reverse();
        let customer_texts: Vec<&str> = history
            .iter()
            .rev()
            .filter(|(direction, _)| direction == "in")
            .map(|(_, text)| text.as_str())
            .collect();
        let language =
            language::answer_language(customer_texts.iter().copied(), cx.language.into());
        let query: String = customer_texts
            .iter()
            .take(2)
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let rows =
            catalogue::search(&mut conn, cx.project_id, &query, catalogue::PROMPT_ROWS).await?;
        drop(conn);
        let listing = self
            .channels
            .listing(&self.store, cx.conversation_id)
            .await?
            .map(|l| match l.price {
                Some(price) => format!("{}, {price}", l.title),
                None => l.title,
            });
        let persona = persona::render(&persona::Fill {
            settings,
            project_name: &cx.project_name,
            language: cx.language,
            channel: cx
                .simulated
                .or(Some(cx.channel))
                .filter(|k| *k != ChannelKind::Simulator),
        });
        let turns: Vec<Turn> = history
            .into_iter()
            .map(|(direction, text)| Turn {
                from_customer: direction == "in",
                text,
            })
            .collect();
        let built = prompt::build(&PromptInput {
            persona: &persona,
            language,
            rows: &rows,
            listing: listing.as_deref(),
            history: &turns,
            context_tokens: llm.context_tokens,
            max_tokens: llm.max_tokens,
        });
        Ok((built.rows, language, built.messages))
    }

    /// Records what the assistant did and acts on it, in one transaction.
    async fn finish(
        &self,
        cx: &Context,
        mode: AssistantMode,
        outcome: Outcome,
        rows: &[UsedRow],
        language: Option<Lang>,
        model: Option<String>,
    ) -> Result<()> {
        let now = self.clock.now_ms();
        let mut tx = self.store.write().await?;
        // A person may have answered while the model was thinking.
        let person_answered =
            person_answered_after(&mut tx, cx.conversation_id, cx.message_id).await?;
        let (kind, text, mut sent) = match (&outcome, mode) {
            (Outcome::Reply(text), AssistantMode::Automatic) if !person_answered => {
                let (_, message_id) = self
                    .outbox
                    .reply_in(
                        &mut tx,
                        Reply {
                            conversation_id: cx.conversation_id,
                            text: text.clone(),
                            attachments: Vec::new(),
                            author: AuthorKind::Assistant,
                            author_name: None,
                            person_id: None,
                            reply_to: None,
                            send_at: None,
                        },
                    )
                    .await?;
                (RunOutcome::Answered, text.clone(), Some(message_id))
            }
            (Outcome::Reply(text), _) => {
                if !person_answered {
                    let draft = text.clone();
                    mirror::enqueue_conversation_notice(
                        &mut tx,
                        now,
                        cx.conversation_id,
                        &format!("draft:{}", cx.message_id),
                        |l| text::draft(l, &draft),
                    )
                    .await?;
                }
                (RunOutcome::Draft, text.clone(), None)
            }
            (Outcome::Handoff(reason), _) => {
                if !person_answered {
                    self.needs_human(&mut tx, cx.conversation_id, cx.message_id, now)
                        .await?;
                    let reason = reason.clone();
                    mirror::enqueue_conversation_notice(
                        &mut tx,
                        now,
                        cx.conversation_id,
                        &format!("handoff:{}", cx.message_id),
                        |l| text::needs_human(l, &reason),
                    )
                    .await?;
                }
                (RunOutcome::Handoff, reason.clone(), None)
            }
            (Outcome::Failed(e), _) => {
                if mode == AssistantMode::Automatic && !person_answered {
                    self.needs_human(&mut tx, cx.conversation_id, cx.message_id, now)
                        .await?;
                }
                let reason = e.to_string();
                mirror::enqueue_conversation_notice(
                    &mut tx,
                    now,
                    cx.conversation_id,
                    &format!("failed:{}", cx.message_id),
                    |l| text::assistant_failed(l, &reason),
                )
                .await?;
                (RunOutcome::Failed, e.to_string(), None)
            }
        };
        let rows_json = serde_json::to_string(rows).map_err(|e| Error::invalid(e.to_string()))?;
        let run_id: i64 = sqlx::query_scalar(
            "INSERT INTO assistant_runs (conversation_id, trigger_message_id, outcome, text, language, model,
                                         catalogue_rows, message_id, dismissed, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (trigger_message_id) DO UPDATE SET outcome = excluded.outcome, text = excluded.text,
                 language = excluded.language, model = excluded.model, catalogue_rows = excluded.catalogue_rows,
                 message_id = excluded.message_id, dismissed = excluded.dismissed, created_at = excluded.created_at
             RETURNING id",
        )
        .bind(cx.conversation_id)
        .bind(cx.message_id)
        .bind(kind.as_str())
        .bind(&text)
        .bind(language.map(Lang::code))
        .bind(model)
        .bind(rows_json)
        .bind(sent)
        .bind(person_answered)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(
            message_id = cx.message_id,
            outcome = kind.as_str(),
            rows = rows.len(),
            "assistant run"
        );
        if let Some(message_id) = sent.take() {
            self.outbox
                .after_commit(cx.conversation_id, message_id)
                .await;
        } else {
            self.relay.publish_conversation(cx.conversation_id).await;
        }
        self.queue_waker.wake();
        match super::runs::get(self.store.pool(), run_id).await {
            Ok(run) => self.relay.bus().publish(EngineEvent::AssistantRun { run }),
            Err(e) => tracing::warn!(error = %e, run_id, "could not publish the assistant's run"),
        }
        Ok(())
    }

    async fn needs_human(
        &self,
        db: &mut SqliteConnection,
        conversation_id: i64,
        trigger_message_id: i64,
        now: Millis,
    ) -> Result<()> {
        let previous =
            crate::inbox::set_status(db, conversation_id, ConversationStatus::NeedsHuman, now)
                .await?;
        if previous != ConversationStatus::NeedsHuman {
            mirror::enqueue_topic(
                db,
                now,
                conversation_id,
                mirror::TopicAction::Sync,
                &format!("needs-human:{trigger_message_id}"),
            )
            .await?;
        }
        Ok(())
    }
}

/// What a run came to, before it is recorded.
enum Outcome {
    Reply(String),
    Handoff(String),
    Failed(LlmError),
}

pub struct InboundHandler(pub Core);

#[async_trait]
impl JobHandler for InboundHandler {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        self.0.inbound(job).await
    }
}
