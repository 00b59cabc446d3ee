import { useState } from "react";
import { useAction } from "../hooks";
import { AlertIcon } from "./Icon";

/** The words and test ids of one destructive action (delete a project, remove a mailbox). */
export interface DangerZoneText {
  action: string;
  question: string;
  explanation: string;
  confirm: string;
  working: string;
  cancel: string;
  testId: string;
  confirmTestId: string;
  errorTestId: string;
}

/** A destructive action behind a confirmation that says what stays and what goes. */
export function DangerZone({ text, onConfirm }: { text: DangerZoneText; onConfirm: () => Promise<void> }) {
  const [asking, setAsking] = useState(false);
  const { busy, error, run } = useAction();

  return (
    <div className="danger-zone">
      {asking ? (
        <div className="confirm" role="alertdialog" aria-label={text.question}>
          <p className="confirm-question">{text.question}</p>
          <p className="confirm-text">{text.explanation}</p>
          {error && (
            <p className="form-error" data-testid={text.errorTestId} role="alert">
              <AlertIcon size={14} />
              {error}
            </p>
          )}
          <div className="form-actions">
            <button
              type="button"
              className="button button--danger"
              data-testid={text.confirmTestId}
              onClick={() => void run(onConfirm)}
              disabled={busy}
            >
              {busy ? text.working : text.confirm}
            </button>
            <button type="button" className="button" onClick={() => setAsking(false)} disabled={busy}>
              {text.cancel}
            </button>
          </div>
        </div>
      ) : (
        <button
          type="button"
          className="link-button link-button--danger"
          data-testid={text.testId}
          onClick={() => setAsking(true)}
        >
          {text.action}
        </button>
      )}
    </div>
  );
}
