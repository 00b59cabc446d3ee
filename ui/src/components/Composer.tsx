import { useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, MAX_ATTACHMENT_BYTES, type Attachment, type Message, type QuickReply } from "../api";
import { apiMessage, errorText } from "../errors";
import { readBase64 } from "../files";
import { formatSize } from "../format";
import { matchQuickReplies, useQuickReplies } from "../useQuickReplies";
import { AlertIcon, CrossIcon, PaperclipIcon, ReplyIcon, SendIcon } from "./Icon";
import { QuickReplyMenu, quickReplyOptionId } from "./QuickReplyMenu";
import { SendLaterButton } from "./SendLater";

/** A file in the composer: being uploaded, or uploaded and ready to go with the reply. */
type Chip = { key: number; name: string; size: number; attachment: Attachment | null };

/** Unsent text and uploaded files per conversation, kept while the window is open. */
const drafts = new Map<number, string>();
const fileDrafts = new Map<number, Attachment[]>();
let nextChipKey = 1;

/** The customer's message a reply answers, as the banner above the composer shows it. */
export type ReplyTarget = { id: number; author: string; text: string };

/** A message's text in one short line, for the banner. */
export function shorten(text: string, max = 90): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

/**
 * The `/query` typed just before the cursor (at the start of the text or
 * after whitespace): where its `/` is and what follows it; null when none.
 */
export function slashAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)\/([^\s/]*)$/u.exec(before);
  if (!m) return null;
  return { start: before.length - m[2].length - 1, query: m[2] };
}

const chipOf = (attachment: Attachment): Chip => ({
  key: nextChipKey++,
  name: attachment.name,
  size: attachment.size ?? 0,
  attachment,
});

export function Composer({
  conversationId,
  projectId = null,
  onSent,
  fill,
  reply = null,
  onClearReply,
}: {
  conversationId: number;
  /** The conversation's project: its quick replies (and every project's) are offered after `/`. */
  projectId?: number | null;
  onSent: (message: Message) => void;
  /** Text to put in the composer (a suggested reply to edit); a new object each time. */
  fill?: { text: string } | null;
  /** The message the next reply answers (quoted at the customer's), if one is chosen. */
  reply?: ReplyTarget | null;
  onClearReply?: () => void;
}) {
  const { t, i18n } = useTranslation();
  const [draft, setDraft] = useState(() => drafts.get(conversationId) ?? "");
  const [chips, setChips] = useState<Chip[]>(() => (fileDrafts.get(conversationId) ?? []).map(chipOf));
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  // Typing keeps this conversation's notifications quiet; told at most every few seconds.
  const toldTypingAt = useRef(0);
  const fileRef = useRef<HTMLInputElement>(null);
  const mounted = useRef(true);
  // Quick replies: the `/query` before the cursor opens the list (unless Esc closed it there).
  const listId = useId();
  const quickReplies = useQuickReplies(projectId);
  const [caret, setCaret] = useState<number | null>(null);
  const [focused, setFocused] = useState(false);
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const [inserting, setInserting] = useState(false);
  // Where the cursor goes once an inserted quick reply is in the text.
  const caretAfter = useRef<number | null>(null);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    if (draft) drafts.set(conversationId, draft);
    else drafts.delete(conversationId);
  }, [conversationId, draft]);

  useEffect(() => {
    const ready = chips.flatMap((c) => (c.attachment ? [c.attachment] : []));
    if (ready.length > 0) fileDrafts.set(conversationId, ready);
    else fileDrafts.delete(conversationId);
  }, [conversationId, chips]);

  useEffect(() => {
    if (!fill) return;
    setDraft(fill.text);
    inputRef.current?.focus();
  }, [fill]);

  // Choosing a message to answer puts the cursor here, to write the answer.
  useEffect(() => {
    if (reply) inputRef.current?.focus();
  }, [reply]);

  // After a quick reply is inserted, the cursor is at its end.
  useLayoutEffect(() => {
    const el = inputRef.current;
    const at = caretAfter.current;
    if (!el || at == null) return;
    caretAfter.current = null;
    el.focus();
    el.setSelectionRange(at, at);
    setCaret(at);
  }, [draft]);

  // Grow with the text, up to a limit.
  useLayoutEffect(() => {
    const el = inputRef.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 180)}px`;
  }, [draft]);

  const upload = async (file: File) => {
    const key = nextChipKey++;
    setChips((list) => [...list, { key, name: file.name, size: file.size, attachment: null }]);
    try {
      const base64 = await readBase64(file);
      const attachment = await api.uploadAttachment(file.name, file.type || null, base64);
      if (!mounted.current) return;
      setChips((list) => list.map((c) => (c.key === key ? { ...c, attachment } : c)));
    } catch (reason) {
      if (!mounted.current) return;
      setChips((list) => list.filter((c) => c.key !== key));
      setProblem(apiMessage(reason, t));
    }
  };

  const addFiles = (files: FileList | null) => {
    if (!files) return;
    setProblem(null);
    for (const file of Array.from(files)) {
      if (file.size > MAX_ATTACHMENT_BYTES) {
        setProblem(t("composer.tooLarge", { name: file.name, max: MAX_ATTACHMENT_BYTES / 1024 / 1024 }));
        continue;
      }
      void upload(file);
    }
    // The same file can be chosen again after it was removed.
    if (fileRef.current) fileRef.current.value = "";
  };

  const text = draft.trim();
  const uploading = chips.some((c) => c.attachment == null);
  const attachments = chips.flatMap((c) => (c.attachment ? [c.attachment] : []));
  const canSend = (text.length > 0 || attachments.length > 0) && !uploading && !sending;

  const slash = caret == null ? null : slashAt(draft, caret);
  const popupOpen = slash != null && focused && slash.start !== dismissedAt;
  const matches = popupOpen ? matchQuickReplies(quickReplies.value ?? [], slash.query) : [];
  const activeIndex = Math.min(active, Math.max(matches.length - 1, 0));

  /** Replaces the `/query` with the quick reply, its placeholders filled for this conversation. */
  const insertQuickReply = async (chosen: QuickReply) => {
    if (!slash || caret == null || inserting) return;
    const typed = draft.slice(slash.start, caret);
    const { start } = slash;
    const end = caret;
    setInserting(true);
    setProblem(null);
    try {
      const filled = await api.quickReplyText(conversationId, chosen.id);
      if (!mounted.current) return;
      setDraft((current) => {
        // Typed on meanwhile: the `/query` is no longer where it was.
        if (current.slice(start, end) !== typed) return current;
        caretAfter.current = start + filled.length;
        return current.slice(0, start) + filled + current.slice(end);
      });
    } catch (reason) {
      if (mounted.current) setProblem(apiMessage(reason, t));
    } finally {
      if (mounted.current) setInserting(false);
    }
  };

  /** Sends the reply now, or at `sendAt` (a reply scheduled for later). */
  const send = async (sendAt: number | null = null) => {
    if (!canSend) return;
    setSending(true);
    setProblem(null);
    try {
      const message = await api.sendReply(conversationId, text, attachments, reply?.id ?? null, sendAt);
      onSent(message);
      setDraft("");
      setChips([]);
      onClearReply?.();
    } catch (reason) {
      setProblem(errorText(reason, t));
    } finally {
      setSending(false);
      inputRef.current?.focus();
    }
  };

  return (
    <div className="composer">
      {problem != null && (
        <div className="composer-error" role="alert" data-testid="composer-error">
          <AlertIcon size={14} />
          <span>{problem}</span>
        </div>
      )}
      {reply && (
        <div
          className="composer-reply"
          data-testid="composer-reply"
          data-reply-to={reply.id}
          role="group"
          aria-label={t("composer.replyingToLabel")}
        >
          <ReplyIcon size={15} className="composer-reply-icon" />
          <div className="composer-reply-body">
            <span className="composer-reply-author">{t("composer.replyingTo", { name: reply.author })}</span>
            <span className="composer-reply-text" data-testid="composer-reply-text" title={reply.text}>
              {shorten(reply.text)}
            </span>
          </div>
          <button
            type="button"
            className="composer-chip-remove composer-reply-clear"
            data-testid="composer-reply-clear"
            aria-label={t("composer.cancelReply")}
            title={t("composer.cancelReply")}
            onClick={() => {
              onClearReply?.();
              inputRef.current?.focus();
            }}
            disabled={sending}
          >
            <CrossIcon size={10} />
          </button>
        </div>
      )}
      {chips.length > 0 && (
        <ul className="composer-chips" aria-label={t("thread.attachments")}>
          {chips.map((chip) => (
            <li
              key={chip.key}
              className={`composer-chip${chip.attachment ? "" : " is-uploading"}`}
              data-testid="composer-attachment"
              data-state={chip.attachment ? "ready" : "uploading"}
            >
              {chip.attachment ? <PaperclipIcon size={13} /> : <span className="spinner" aria-hidden="true" />}
              <span className="composer-chip-name" title={chip.name}>
                {chip.name}
              </span>
              <span className="composer-chip-size">
                {chip.attachment ? formatSize(chip.size, i18n.language) : t("composer.uploading")}
              </span>
              <button
                type="button"
                className="composer-chip-remove"
                data-testid="composer-attachment-remove"
                aria-label={t("composer.removeAttachment", { name: chip.name })}
                title={t("composer.removeAttachment", { name: chip.name })}
                onClick={() => setChips((list) => list.filter((c) => c.key !== chip.key))}
                disabled={sending}
              >
                <CrossIcon size={10} />
              </button>
            </li>
          ))}
        </ul>
      )}
      {popupOpen && (
        <QuickReplyMenu
          id={listId}
          replies={matches}
          active={activeIndex}
          query={slash.query}
          loading={quickReplies.value === undefined && quickReplies.error == null}
          none={(quickReplies.value ?? []).length === 0}
          onHover={setActive}
          onChoose={(chosen) => void insertQuickReply(chosen)}
        />
      )}
      <div className="composer-row">
        <button
          type="button"
          className="icon-button composer-attach-button"
          title={t("composer.attach")}
          aria-label={t("composer.attach")}
          onClick={() => fileRef.current?.click()}
          disabled={sending}
        >
          <PaperclipIcon size={17} />
        </button>
        <input
          ref={fileRef}
          type="file"
          multiple
          className="visually-hidden"
          data-testid="composer-attach"
          tabIndex={-1}
          aria-hidden="true"
          onChange={(e) => addFiles(e.target.files)}
        />
        <textarea
          ref={inputRef}
          data-testid="composer-input"
          className="composer-input"
          value={draft}
          rows={1}
          placeholder={t("composer.placeholder")}
          aria-label={t("composer.label")}
          aria-autocomplete="list"
          aria-controls={popupOpen && matches.length > 0 ? listId : undefined}
          aria-activedescendant={
            popupOpen && matches[activeIndex] ? quickReplyOptionId(listId, matches[activeIndex]) : undefined
          }
          onFocus={() => setFocused(true)}
          onBlur={() => setFocused(false)}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onChange={(e) => {
            const value = e.target.value;
            const at = e.target.selectionStart;
            const typed = slashAt(value, at);
            // A new `/query` (or another query) starts at the first match.
            if (typed?.query !== slash?.query || typed?.start !== slash?.start) setActive(0);
            if (typed == null) setDismissedAt(null);
            setCaret(at);
            setDraft(value);
            const now = Date.now();
            if (now - toldTypingAt.current > 5000) {
              toldTypingAt.current = now;
              api.setAttention(conversationId, true).catch((error: unknown) => {
                console.warn("Could not tell the shell about typing", error);
              });
            }
          }}
          onKeyDown={(e) => {
            if (popupOpen && !e.nativeEvent.isComposing) {
              if ((e.key === "ArrowDown" || e.key === "ArrowUp") && matches.length > 0) {
                e.preventDefault();
                const step = e.key === "ArrowDown" ? 1 : -1;
                setActive((activeIndex + step + matches.length) % matches.length);
                return;
              }
              if (((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") && matches.length > 0) {
                e.preventDefault();
                void insertQuickReply(matches[activeIndex]);
                return;
              }
              if (e.key === "Escape") {
                e.preventDefault();
                setDismissedAt(slash.start);
                return;
              }
            }
            if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              void send();
            } else if (e.key === "Escape" && reply && onClearReply) {
              e.preventDefault();
              onClearReply();
            }
          }}
        />
        <button
          type="button"
          className="button button--primary composer-send"
          data-testid="composer-send"
          disabled={!canSend}
          onClick={() => void send()}
        >
          <SendIcon size={15} />
          {t("composer.send")}
        </button>
        <SendLaterButton conversationId={conversationId} disabled={!canSend} onPick={(at) => void send(at)} />
      </div>
      <div className="composer-hint">{t("composer.hint")}</div>
    </div>
  );
}
