import { useState, type FormEvent, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, type Message } from "../api";
import { useAction } from "../hooks";
import { isMac } from "../useShortcuts";
import { AlertIcon } from "./Icon";

/** Whether the shop's reply can be changed here: sent (or on its way), not deleted, not one scheduled for later. */
export const canEditReply = (m: Message) => m.direction === "out" && m.deletedAt == null && m.scheduledAt == null;

/** A message changed in place: `onSaved` with it changed, or `onClose` leaving it as it was. */
export type MessageEditProps = {
  message: Message;
  onSaved: (message: Message) => void;
  onClose: () => void;
};

/**
 * A sent reply's text, changed in place: Save (or Ctrl/⌘+Enter) changes it,
 * Cancel (or Escape) leaves it as it was. A reply already sent is changed
 * at the customer's side too where the channel can.
 */
export function EditReplyForm({ message: m, onSaved, onClose }: MessageEditProps) {
  const { t } = useTranslation();
  const [text, setText] = useState(m.text);
  const [empty, setEmpty] = useState(false);
  const { busy, error, run } = useAction();
  const sent = m.delivery === "sent" || m.delivery === "delivered";

  const save = () => {
    if (busy) return;
    const trimmed = text.trim();
    if (trimmed === "" && m.attachments.length === 0) {
      setEmpty(true);
      return;
    }
    if (trimmed === m.text) {
      onClose();
      return;
    }
    void run(async () => {
      onSaved(await api.editReply(m.id, trimmed));
    });
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.nativeEvent.isComposing) return;
    if (e.key === "Escape") {
      // Handled here: the window's Escape (leaving the field) does not run too.
      e.preventDefault();
      if (!busy) onClose();
    } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      save();
    }
  };

  const lines = text.split("\n").length;
  return (
    <form className="reply-edit" onSubmit={submit} noValidate data-testid="reply-edit-form">
      <textarea
        className="reply-edit-input"
        data-testid="reply-edit-text"
        aria-label={t("thread.editLabel")}
        value={text}
        rows={Math.min(8, Math.max(2, lines))}
        disabled={busy}
        autoFocus
        onFocus={(e) => e.currentTarget.setSelectionRange(e.currentTarget.value.length, e.currentTarget.value.length)}
        onChange={(e) => {
          setText(e.target.value);
          setEmpty(false);
        }}
        onKeyDown={onKeyDown}
      />
      {sent && <p className="reply-edit-note">{t("thread.editSentNote")}</p>}
      {(empty || error) && (
        <p className="form-error" role="alert" data-testid="reply-edit-error">
          <AlertIcon size={13} />
          {empty ? t("thread.editEmpty") : error}
        </p>
      )}
      <div className="reply-edit-actions">
        <span className="reply-edit-keys">{t("thread.editKeys", { mod: isMac() ? "⌘" : "Ctrl" })}</span>
        <button type="button" className="button" data-testid="reply-edit-cancel" disabled={busy} onClick={onClose}>
          {t("thread.editCancel")}
        </button>
        <button
          type="submit"
          className="button button--primary"
          data-testid="reply-edit-save"
          disabled={busy}
          aria-busy={busy || undefined}
        >
          {busy ? t("thread.editSaving") : t("thread.editSave")}
        </button>
      </div>
    </form>
  );
}
