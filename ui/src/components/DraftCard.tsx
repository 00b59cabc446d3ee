import { useTranslation } from "react-i18next";
import { api, type Message } from "../api";
import { useAction } from "../hooks";
import { useAssistantDraft } from "../useAssistant";
import { AlertIcon, SparkIcon } from "./Icon";

type Props = {
  conversationId: number;
  /** Changes when a message comes or goes out: the draft may be gone. */
  messagesKey: string;
  /** Puts the text in the composer, to edit and send as any reply. */
  onUse: (text: string) => void;
  onSent: (message: Message) => void;
};

/** The reply the assistant suggests (drafts mode), above the composer: use it, send it, or dismiss it. */
export function DraftCard({ conversationId, messagesKey, onUse, onSent }: Props) {
  const { t } = useTranslation();
  const { value: draft, apply } = useAssistantDraft(conversationId, messagesKey);
  const { busy, error, run } = useAction();
  if (!draft) return null;

  const use = () =>
    void run(async () => {
      onUse(draft.text);
      apply(null);
      await api.dismissDraft(draft.id);
    });
  const send = () =>
    void run(async () => {
      const message = await api.sendReply(conversationId, draft.text, [], null, null);
      onSent(message);
      apply(null);
    });
  const dismiss = () =>
    void run(async () => {
      await api.dismissDraft(draft.id);
      apply(null);
    });

  return (
    <div
      className="draft-card"
      data-testid="draft-card"
      data-run-id={draft.id}
      role="region"
      aria-label={t("draft.title")}
    >
      <div className="draft-head">
        <SparkIcon size={14} />
        <span className="draft-title">{t("draft.title")}</span>
        {draft.catalogueRows.length > 0 && (
          <span className="draft-rows" title={draft.catalogueRows.map((r) => r.text).join("\n")}>
            {t("draft.rows", { count: draft.catalogueRows.length })}
          </span>
        )}
      </div>
      <p className="draft-text selectable" data-testid="draft-text">
        {draft.text}
      </p>
      <div className="form-actions">
        <button
          type="button"
          className="button button--primary"
          data-testid="draft-send"
          disabled={busy}
          onClick={send}
        >
          {t("draft.send")}
        </button>
        <button
          type="button"
          className="button"
          data-testid="draft-use"
          disabled={busy}
          onClick={use}
          title={t("draft.useHint")}
        >
          {t("draft.use")}
        </button>
        <button
          type="button"
          className="button button--quiet"
          data-testid="draft-dismiss"
          disabled={busy}
          onClick={dismiss}
        >
          {t("draft.dismiss")}
        </button>
      </div>
      {error && (
        <p className="form-error" data-testid="draft-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </div>
  );
}
