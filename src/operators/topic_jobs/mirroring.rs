//! Mirroring stored messages into their conversation's topic: several
//! waiting messages of one conversation go as one Telegram message, files
//! kept on this computer are uploaded, and every sent message is recorded.

use super::*;

impl TopicJobs {
    /// A mirrored message changed (edited or deleted by the customer): each
    /// topic message carrying it is written again.
    pub(super) async fn remirror(&self, job: &Job) -> Result<(), JobError> {
        let MirrorPayload {
            message_id: changed,
        } = payload(job)?;
        let mut conn = self.store.conn().await.map_err(retry)?;
        let mirrors: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT DISTINCT chat_id, telegram_message_id FROM topic_messages
             WHERE message_id = ?1 AND origin = 'mirror'",
        )
        .bind(changed)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| retry(e.into()))?;
        let Some(row) = load_row(&mut conn, changed).await.map_err(retry)? else {
            return Ok(());
        };
        // Not mirrored yet: the mirror, when it goes, shows the change.
        let Some(target) = target_for(&mut conn, row.conversation_id)
            .await
            .map_err(retry)?
        else {
            return Ok(());
        };
        let mut carried = Vec::new();
        for (chat_id, telegram_message_id) in mirrors {
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT message_id FROM topic_messages
                 WHERE chat_id = ?1 AND telegram_message_id = ?2 AND origin = 'mirror' ORDER BY message_id",
            )
            .bind(chat_id)
            .bind(telegram_message_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| retry(e.into()))?;
            let mut rows = Vec::new();
            for id in ids {
                rows.extend(load_row(&mut conn, id).await.map_err(retry)?);
            }
            carried.push((chat_id, telegram_message_id, rows));
        }
        drop(conn);
        let bot = self.bot(target.bot_account_id)?;
        let lang = target.language();
        let mut paid = true;
        for (chat_id, telegram_message_id, rows) in carried {
            let Some(first) = rows.first() else { continue };
            let media = first
                .attachments
                .first()
                .and_then(|a| self.media(a, target.bot_account_id))
                .is_some();
            let refs: Vec<&MirrorRow> = rows.iter().collect();
            let text = render(lang, &refs, media);
            let gate = self.enter(chat_id).await?;
            let outcome = match self.pay(&target, &mut paid) {
                Err(e) => Err(e),
                Ok(()) => {
                    let id = message_id(telegram_message_id);
                    let edited = if media {
                        bot.bot
                            .edit_message_caption(ChatId(chat_id), id)
                            .caption(fit(&text, MAX_CAPTION, lang))
                            .await
                    } else {
                        bot.bot
                            .edit_message_text(ChatId(chat_id), id, fit(&text, MAX_MESSAGE, lang))
                            .await
                    };
                    match edited {
                        Ok(_) => Ok(()),
                        // Already so, or gone from the topic: nothing to change.
                        Err(e)
                            if api_text(&e).contains("message is not modified")
                                || api_text(&e).contains("message to edit not found") =>
                        {
                            Ok(())
                        }
                        Err(e) => Err(job_error(&e)),
                    }
                }
            };
            self.leave(gate, &outcome);
            outcome?;
        }
        Ok(())
    }

    pub(super) async fn mirror(&self, job: &Job) -> Result<(), JobError> {
        let MirrorPayload { message_id } = payload(job)?;
        let mut conn = self.store.conn().await.map_err(retry)?;
        let Some(row) = load_row(&mut conn, message_id).await.map_err(retry)? else {
            return Ok(());
        };
        let mirrored: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM topic_messages WHERE message_id = ?1 AND origin = 'mirror')",
        )
        .bind(message_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| retry(e.into()))?;
        if mirrored {
            return Ok(());
        }
        let Some(target) = target_for(&mut conn, row.conversation_id)
            .await
            .map_err(retry)?
        else {
            // The project lost its group or bot since: nothing to mirror into.
            return Ok(());
        };
        drop(conn);
        let bot = self.bot(target.bot_account_id)?;
        let gate = self.enter(target.chat_id).await?;
        let outcome = self.mirror_calls(job, &row, &target, &bot).await;
        self.leave(gate, &outcome);
        outcome
    }

    async fn mirror_calls(
        &self,
        job: &Job,
        row: &MirrorRow,
        target: &Target,
        bot: &BotHandle,
    ) -> Result<(), JobError> {
        let mut paid = true;
        // A topic deleted or closed in Telegram is created or reopened once.
        for _ in 0..3 {
            let topic = self
                .ensure_topic(bot, target, row.conversation_id, &mut paid)
                .await?;
            if topic.closed
                && row.direction == "in"
                && let Err(SendFailure::ThreadGone) =
                    self.reopen(bot, row.conversation_id, &topic).await?
            {
                self.forget_topic(row.conversation_id).await?;
                continue;
            }
            if let Err(SendFailure::ThreadGone) = self
                .sync_title(bot, target, row.conversation_id, &topic, &mut paid)
                .await?
            {
                self.forget_topic(row.conversation_id).await?;
                continue;
            }
            let batch = self.batch(job, row).await.map_err(retry)?;
            self.pay(target, &mut paid)?;
            match self.send(bot, target, &topic, &batch).await {
                Ok(telegram_id) => return self.record(job, &topic, telegram_id, &batch).await,
                Err(SendFailure::ThreadGone) => self.forget_topic(row.conversation_id).await?,
                Err(SendFailure::TopicClosed) => self.set_closed(row.conversation_id, true).await?,
                Err(SendFailure::Other(e)) => return Err(job_error(&e)),
            }
        }
        Err(JobError::Retry("the topic keeps disappearing".into()))
    }

    /// This job's message, followed by the waiting text mirrors of the same topic
    /// that fit into one Telegram message.
    async fn batch(&self, job: &Job, first: &MirrorRow) -> Result<Vec<(Option<i64>, MirrorRow)>> {
        let mut batch = vec![(None, first.clone())];
        if !first.attachments.is_empty() {
            return Ok(batch);
        }
        let waiting: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, payload FROM jobs WHERE destination = ?1 AND kind = ?2 AND status = 'queued' AND id > ?3
             ORDER BY id LIMIT ?4",
        )
        .bind(&job.destination)
        .bind(MIRROR_JOB)
        .bind(job.id)
        .bind(MAX_COALESCED)
        .fetch_all(self.store.pool())
        .await?;
        let mut size = first.text.chars().count() + 64;
        let mut conn = self.store.conn().await?;
        for (job_id, payload) in waiting {
            let Ok(MirrorPayload { message_id }) = serde_json::from_str(&payload) else {
                break;
            };
            let Some(row) = load_row(&mut conn, message_id).await? else {
                break;
            };
            size += row.text.chars().count() + 64;
            if !row.attachments.is_empty() || size > MAX_MESSAGE {
                break;
            }
            batch.push((Some(job_id), row));
        }
        Ok(batch)
    }

    /// A file the topic shows as media: one the bot has (sent again by its
    /// id) or one kept on this computer (uploaded). Pictures over Telegram's
    /// 10 MB photo limit go as documents.
    fn media(&self, a: &Attachment, bot_account_id: i64) -> Option<(AttachmentKind, InputFile)> {
        if let Some(id) = own_file_id(a, bot_account_id) {
            return Some((a.kind, InputFile::file_id(id)));
        }
        let path = a.url.as_deref().and_then(|u| self.files.path(u))?;
        let kind = match a.kind {
            AttachmentKind::Image if a.size.unwrap_or(0) > MAX_PHOTO => AttachmentKind::File,
            kind => kind,
        };
        Some((kind, InputFile::file(path).file_name(a.name.clone())))
    }

    async fn send(
        &self,
        bot: &BotHandle,
        target: &Target,
        topic: &TopicRow,
        batch: &[(Option<i64>, MirrorRow)],
    ) -> Result<i64, SendFailure> {
        let lang = target.language();
        let first = &batch[0].1;
        let media = first
            .attachments
            .first()
            .and_then(|a| self.media(a, target.bot_account_id));
        let rows: Vec<&MirrorRow> = batch.iter().map(|(_, row)| row).collect();
        let text = render(lang, &rows, media.is_some());
        let chat = ChatId(topic.chat_id);
        // A reply to one message quotes that message's mirror.
        let quote: Option<i64> = match first.reply_to_id {
            Some(answered) => sqlx::query_scalar(
                "SELECT telegram_message_id FROM topic_messages WHERE message_id = ?1 AND chat_id = ?2
                 ORDER BY origin = 'mirror' DESC LIMIT 1",
            )
            .bind(answered)
            .bind(topic.chat_id)
            .fetch_optional(self.store.pool())
            .await
            .ok()
            .flatten(),
            None => None,
        };
        let quote =
            quote.map(|id| ReplyParameters::new(message_id(id)).allow_sending_without_reply());
        let sent = match media {
            Some((kind, file)) => {
                let caption = fit(&text, MAX_CAPTION, lang);
                match kind {
                    AttachmentKind::Image => {
                        let mut request = bot
                            .bot
                            .send_photo(chat, file)
                            .caption(caption)
                            .message_thread_id(thread(topic.thread_id));
                        request.payload_mut().reply_parameters = quote;
                        request.await
                    }
                    AttachmentKind::Audio => {
                        let mut request = bot
                            .bot
                            .send_voice(chat, file)
                            .caption(caption)
                            .message_thread_id(thread(topic.thread_id));
                        request.payload_mut().reply_parameters = quote;
                        request.await
                    }
                    _ => {
                        let mut request = bot
                            .bot
                            .send_document(chat, file)
                            .caption(caption)
                            .message_thread_id(thread(topic.thread_id));
                        request.payload_mut().reply_parameters = quote;
                        request.await
                    }
                }
            }
            None => {
                let mut request = bot
                    .bot
                    .send_message(chat, fit(&text, MAX_MESSAGE, lang))
                    .message_thread_id(thread(topic.thread_id));
                request.payload_mut().reply_parameters = quote;
                request.await
            }
        };
        sent.map(|m| i64::from(m.id.0)).map_err(classify)
    }

    async fn record(
        &self,
        job: &Job,
        topic: &TopicRow,
        telegram_id: i64,
        batch: &[(Option<i64>, MirrorRow)],
    ) -> Result<(), JobError> {
        let now = self.clock.now_ms();
        let recorded: Result<()> = async {
            let mut tx = self.store.write().await?;
            for (absorbed, row) in batch {
                sqlx::query(
                    "INSERT OR IGNORE INTO topic_messages (chat_id, telegram_message_id, message_id, origin)
                     VALUES (?1, ?2, ?3, 'mirror')",
                )
                .bind(topic.chat_id)
                .bind(telegram_id)
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
                if let Some(absorbed) = absorbed {
                    sqlx::query(
                        "UPDATE jobs SET status = 'done', last_error = ?2, updated_at = ?3, finished_at = ?3
                         WHERE id = ?1 AND status = 'queued'",
                    )
                    .bind(absorbed)
                    .bind(format!("sent together with job {}", job.id))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        recorded.map_err(retry)?;
        if batch.len() > 1 {
            tracing::info!(
                job = job.id,
                messages = batch.len(),
                "mirrors coalesced into one message"
            );
        }
        Ok(())
    }
}

/// The text of one topic message carrying `rows` (their author lines,
/// texts with what happened to them since, and the files not shown as
/// its media).
fn render(lang: Language, rows: &[&MirrorRow], has_media: bool) -> String {
    let mut text = String::new();
    let mut last_label = None;
    for row in rows {
        let mut label = author_label(
            lang,
            row.author(),
            row.author_name.as_deref(),
            &row.contact_name,
            &row.channel_name,
        );
        if let Some(assignee) = &row.assigned_to_name {
            label.push_str(&text::instead_of(lang, assignee));
        }
        if last_label.as_ref() != Some(&label) {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&label);
            text.push('\n');
            last_label = Some(label);
        }
        if !row.text.is_empty() {
            text.push_str(&row.text);
            text.push('\n');
        }
        if row.deleted_at.is_some() {
            text.push_str(text::deleted_mark(lang));
            text.push('\n');
        } else if row.edited_at.is_some() {
            text.push_str(text::edited_mark(lang));
            text.push('\n');
        }
    }
    if let Some(first) = rows.first() {
        for attachment in first.attachments.iter().skip(usize::from(has_media)) {
            text.push_str(&text::attachment_line(
                lang,
                attachment.kind.as_str(),
                &attachment.name,
            ));
            text.push('\n');
        }
    }
    text.trim_end().to_owned()
}

fn fit(text: &str, max: usize, lang: Language) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let note = text::cut_note(lang);
    let keep = max - note.chars().count();
    let mut out: String = text.chars().take(keep).collect();
    out.push_str(note);
    out
}
