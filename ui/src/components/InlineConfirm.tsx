import { useTranslation } from "react-i18next";

/** The words of an inline confirmation, already translated. */
export interface InlineConfirmText {
  question: string;
  explanation: string;
  confirm: string;
  /** The confirm button's label while the action runs. */
  working: string;
}

/**
 * The confirmation under a list row before it is removed or revoked: the
 * question, what it means, the danger button (busy while it runs) and Cancel.
 * Test ids are `testId` for the dialog, `${actionTestId}-confirm` and
 * `${actionTestId}-cancel` for its buttons.
 */
export function InlineConfirm({
  testId,
  actionTestId,
  text,
  busy,
  onConfirm,
  onCancel,
}: {
  testId: string;
  actionTestId: string;
  text: InlineConfirmText;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="confirm api-token-confirm" role="alertdialog" aria-label={text.question} data-testid={testId}>
      <p className="confirm-question">{text.question}</p>
      <p className="confirm-text">{text.explanation}</p>
      <div className="form-actions">
        <button
          type="button"
          className="button button--danger"
          data-testid={`${actionTestId}-confirm`}
          disabled={busy}
          aria-busy={busy || undefined}
          onClick={onConfirm}
        >
          {busy ? text.working : text.confirm}
        </button>
        <button
          type="button"
          className="link-button"
          data-testid={`${actionTestId}-cancel`}
          disabled={busy}
          onClick={onCancel}
        >
          {t("projects.cancel")}
        </button>
      </div>
    </div>
  );
}
