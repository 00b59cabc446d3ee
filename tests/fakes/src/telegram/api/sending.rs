//! Sending: messages, media, copies, and the bot's webhook.

use super::*;

impl State {
    pub(super) fn set_webhook(&mut self, bot_id: i64, p: &Params) -> ApiResult {
        let url = p.str("url").unwrap_or_default().trim().to_owned();
        if url.is_empty() {
            return Ok(self.delete_webhook(bot_id, p));
        }
        if !url.starts_with("http://") && !url.starts_with("https://") {
            return Err(ApiError::bad_request(
                "bad webhook: An HTTPS URL must be provided for webhook",
            ));
        }
        let secret = p.str("secret_token").map(str::to_owned);
        if let Some(secret) = &secret {
            let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
            if secret.is_empty() || secret.len() > 256 || !secret.chars().all(allowed) {
                return Err(ApiError::bad_request(
                    "secret token contains unallowed characters",
                ));
            }
        }
        let allowed_updates = allowed_updates_param(p);
        let drop_pending = p.bool("drop_pending_updates") == Some(true);
        if let Some(bot) = self.bots.get_mut(&bot_id) {
            bot.webhook_generation += 1;
            bot.webhook = Some(Webhook {
                url,
                secret,
                generation: bot.webhook_generation,
                last_error: None,
            });
            if let Some(allowed) = allowed_updates {
                bot.allowed_updates = allowed;
            }
            if drop_pending {
                bot.updates.clear();
            }
        }
        Ok(Value::Bool(true))
    }

    pub(super) fn delete_webhook(&mut self, bot_id: i64, p: &Params) -> Value {
        if let Some(bot) = self.bots.get_mut(&bot_id) {
            bot.webhook = None;
            bot.webhook_generation += 1;
            if p.bool("drop_pending_updates") == Some(true) {
                bot.updates.clear();
            }
        }
        Value::Bool(true)
    }

    pub(super) fn send_message(&mut self, bot_id: i64, p: &Params, now: Instant) -> ApiResult {
        let chat_id = chat_id_param(p, "chat_id")?;
        let chat = self.reachable_chat(bot_id, chat_id)?;
        let thread = Self::send_thread(chat, bot_id, p)?;
        let reply = Self::reply_target(chat, p)?;
        let text = p.str("text").unwrap_or_default().trim().to_owned();
        if text.is_empty() {
            return Err(ApiError::bad_request("message text is empty"));
        }
        if utf16_len(&text) > MAX_TEXT {
            return Err(ApiError::bad_request("message is too long"));
        }
        self.admit(bot_id, chat_id, "sendMessage", now)?;
        Ok(self.post(
            chat_id,
            thread,
            Actor::Bot(bot_id),
            Content::text(&text),
            reply,
        ))
    }

    pub(super) fn input_file(&self, p: &Params, field: &str) -> Result<InputSource, ApiError> {
        let value = p.str(field).unwrap_or_default().trim();
        let wrong = || ApiError::bad_request("wrong file identifier/HTTP URL specified");
        if let Some(part) = value.strip_prefix("attach://") {
            let upload = p.uploads.get(part).ok_or_else(wrong)?;
            if upload.bytes.is_empty() {
                return Err(ApiError::bad_request("file must be non-empty"));
            }
            if field == "photo" && upload.bytes.len() > MAX_PHOTO_UPLOAD {
                return Err(ApiError::bad_request("PHOTO_INVALID_DIMENSIONS"));
            }
            if upload.bytes.len() > MAX_UPLOAD {
                return Err(ApiError::new(413, "Request Entity Too Large"));
            }
            return Ok(InputSource::Upload(upload.clone()));
        }
        if value.starts_with("http://") || value.starts_with("https://") {
            return Ok(InputSource::Url(value.to_owned()));
        }
        self.files
            .get(value)
            .cloned()
            .map(InputSource::Existing)
            .ok_or_else(wrong)
    }

    pub(super) fn store_input(&mut self, field: &str, source: InputSource) -> StoredFile {
        let (folder, default_extension, default_mime) = file_kind(field);
        let (bytes, file_name) = match source {
            InputSource::Existing(file) => return file,
            InputSource::Upload(upload) => {
                (upload.bytes, upload.file_name.filter(|n| !n.is_empty()))
            }
            InputSource::Url(url) => {
                let name = url
                    .rsplit('/')
                    .next()
                    .filter(|n| n.contains('.'))
                    .map(str::to_owned);
                (Vec::new(), name)
            }
        };
        let extension = file_name
            .as_deref()
            .and_then(|n| n.rsplit_once('.'))
            .map_or(default_extension, |(_, ext)| ext)
            .to_owned();
        let mime = if field == "photo" {
            None
        } else {
            mime_of(&extension).or(default_mime)
        };
        self.add_file(
            folder,
            &extension,
            bytes,
            file_name,
            mime.map(str::to_owned),
            None,
        )
    }

    pub(super) fn send_media(
        &mut self,
        bot_id: i64,
        method: &str,
        field: &'static str,
        p: &Params,
        now: Instant,
    ) -> ApiResult {
        let chat_id = chat_id_param(p, "chat_id")?;
        let chat = self.reachable_chat(bot_id, chat_id)?;
        let thread = Self::send_thread(chat, bot_id, p)?;
        let reply = Self::reply_target(chat, p)?;
        let caption = p
            .str("caption")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        if caption
            .as_deref()
            .is_some_and(|c| utf16_len(c) > MAX_CAPTION)
        {
            return Err(ApiError::bad_request("message caption is too long"));
        }
        let source = self.input_file(p, field)?;
        self.admit(bot_id, chat_id, method, now)?;
        let file = self.store_input(field, source);
        let content = self.media_content(field, &file, caption.as_deref());
        Ok(self.post(chat_id, thread, Actor::Bot(bot_id), content, reply))
    }

    pub(super) fn copy_message(
        &mut self,
        bot_id: i64,
        p: &Params,
        now: Instant,
        forward: bool,
    ) -> ApiResult {
        let (method, what) = if forward {
            ("forwardMessage", "forward")
        } else {
            ("copyMessage", "copy")
        };
        let from_chat_id = chat_id_param(p, "from_chat_id")?;
        let source_chat = self.reachable_chat(bot_id, from_chat_id)?;
        let message_id = p.i64("message_id").unwrap_or_default();
        let source = source_chat
            .message(message_id)
            .ok_or_else(|| ApiError::bad_request(&format!("message to {what} not found")))?;
        if source.content.kind == "service" {
            return Err(ApiError::bad_request(&format!("message can't be {what}ed")));
        }
        let mut content = source.content.clone();
        let origin = (
            source.from,
            source.json.get("date").cloned().unwrap_or(Value::Null),
        );

        let chat_id = chat_id_param(p, "chat_id")?;
        let chat = self.reachable_chat(bot_id, chat_id)?;
        let thread = Self::send_thread(chat, bot_id, p)?;
        let reply = if forward {
            None
        } else {
            Self::reply_target(chat, p)?
        };
        if forward {
            let origin =
                json!({"type": "user", "sender_user": self.actor_json(origin.0), "date": origin.1});
            content.fields.insert("forward_origin".to_owned(), origin);
        } else if let Some(caption) = p.str("caption") {
            if utf16_len(caption.trim()) > MAX_CAPTION {
                return Err(ApiError::bad_request("message caption is too long"));
            }
            content = content.with_caption(caption.trim());
        }
        self.admit(bot_id, chat_id, method, now)?;
        let message = self.post(chat_id, thread, Actor::Bot(bot_id), content, reply);
        if forward {
            Ok(message)
        } else {
            Ok(json!({"message_id": message["message_id"]}))
        }
    }
}

impl State {
    /// `editMessageText` / `editMessageCaption`: a bot changes the text
    /// (or the caption) of a message it sent, as Telegram checks it.
    pub(in crate::telegram) fn edit_message(
        &mut self,
        bot_id: i64,
        method: &str,
        p: &Params,
        now: Instant,
    ) -> ApiResult {
        let chat_id = chat_id_param(p, "chat_id")?;
        self.reachable_chat(bot_id, chat_id)?;
        let caption = method == "editMessageCaption";
        let field = if caption { "caption" } else { "text" };
        let new = p.str(field).unwrap_or_default().trim().to_owned();
        if !caption && new.is_empty() {
            return Err(ApiError::bad_request("message text is empty"));
        }
        let max = if caption { MAX_CAPTION } else { MAX_TEXT };
        if utf16_len(&new) > max {
            return Err(ApiError::bad_request(if caption {
                "message caption is too long"
            } else {
                "message is too long"
            }));
        }
        let message_id = p.i64("message_id").unwrap_or_default();
        let message = self
            .chats
            .get(&chat_id)
            .and_then(|c| c.message(message_id))
            .ok_or_else(|| ApiError::bad_request("message to edit not found"))?;
        if message.from != Actor::Bot(bot_id) {
            return Err(ApiError::bad_request("message can't be edited"));
        }
        let is_text = message.content.kind == "text";
        if caption && is_text {
            return Err(ApiError::bad_request(
                "there is no caption in the message to edit",
            ));
        }
        if !caption && !is_text {
            return Err(ApiError::bad_request(
                "there is no text in the message to edit",
            ));
        }
        if message.content.text.as_deref().unwrap_or("") == new {
            return Err(ApiError::bad_request(
                "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
            ));
        }
        self.admit(bot_id, chat_id, method, now)?;
        let Some(message) = self
            .chats
            .get_mut(&chat_id)
            .and_then(|c| c.messages.iter_mut().find(|m| m.id == message_id))
        else {
            return Err(ApiError::bad_request("message to edit not found"));
        };
        Ok(message.edit(&new))
    }
}
