import { useId, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, type Backup, type RestoreStep } from "../api";
import { apiMessage } from "../errors";
import { formatFull } from "../format";
import { useEngineEvents } from "../hooks";
import { AlertIcon } from "./Icon";

/** What is about to be restored: a backup of the list, or a file typed in. */
export type RestoreTarget = { path: string; backup: Backup | null };

/** What the confirmation says before anything happens. */
const POINTS = ["restart", "keptAside", "newer", "secrets"] as const;

/**
 * Restoring a backup from the window: which one is asked about, how its
 * preparation goes (the engine's `restore_progress` events) and why it was
 * refused. Once the engine has it ready the app starts again and the window
 * goes with it, so a restore that succeeded stays busy ("Starting again…").
 */
export function useRestore() {
  const { t } = useTranslation();
  const [target, setTarget] = useState<RestoreTarget | null>(null);
  const [step, setStep] = useState<RestoreStep | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Progress is this window's only while it asked for a restore. */
  const running = useRef(false);

  useEngineEvents((event) => {
    if (event.type === "restore_progress" && running.current) setStep(event.step);
  });

  const ask = (next: RestoreTarget) => {
    if (busy) return;
    setTarget(next);
    setError(null);
    setStep(null);
  };

  const cancel = () => {
    if (busy) return;
    setTarget(null);
    setError(null);
  };

  const start = async () => {
    if (!target || busy) return;
    running.current = true;
    setBusy(true);
    setError(null);
    setStep({ stage: "copying", done: 0, total: 0 });
    try {
      await api.restoreBackup(target.path);
      // The app starts again now: nothing more to press.
      setStep({ stage: "ready", done: 1, total: 1 });
    } catch (reason) {
      // Refused: nothing changed, and another try is possible.
      setError(apiMessage(reason, t));
      setStep(null);
      setBusy(false);
    } finally {
      running.current = false;
    }
  };

  return { target, step, error, busy, ask, cancel, start };
}

export type Restore = ReturnType<typeof useRestore>;

/**
 * The confirmation of a restore, in place (under the row or the typed
 * path): which backup, what happens, then its progress or its refusal.
 */
export function RestoreConfirm({ restore }: { restore: Restore }) {
  const { t, i18n } = useTranslation();
  const { target, step, error, busy } = restore;
  if (!target) return null;
  const question = target.backup
    ? t("backups.restoreQuestion", {
        when: formatFull(target.backup.createdAt, i18n.language),
        kind: t(`backups.kind.${target.backup.kind}`),
      })
    : t("backups.restoreQuestionFile", { path: target.path });

  return (
    <div
      className="confirm backups-restore-confirm"
      role="alertdialog"
      aria-label={question}
      data-testid="backups-restore-confirm"
      data-path={target.path}
    >
      <p className="confirm-question selectable" data-testid="backups-restore-question">
        {question}
      </p>
      <ul className="confirm-text backups-restore-points">
        {POINTS.map((point) => (
          <li key={point}>{t(`backups.restorePoint.${point}`)}</li>
        ))}
      </ul>
      {step && <RestoreProgress step={step} />}
      {error && (
        <p className="form-error" data-testid="backups-restore-error" role="alert">
          <AlertIcon size={14} />
          {t("backups.restoreRefused", { error })}
        </p>
      )}
      <div className="form-actions">
        <button
          type="button"
          className="button button--danger"
          data-testid="backups-restore-go"
          disabled={busy}
          aria-busy={busy || undefined}
          onClick={() => void restore.start()}
        >
          {t("backups.restoreConfirm")}
        </button>
        <button
          type="button"
          className="button"
          data-testid="backups-restore-cancel"
          disabled={busy}
          onClick={restore.cancel}
        >
          {t("projects.cancel")}
        </button>
      </div>
    </div>
  );
}

/** How far the preparation got: bytes copied, the check, attachments brought back, then the restart. */
function RestoreProgress({ step }: { step: RestoreStep }) {
  const { t } = useTranslation();
  const id = useId();
  const counted = (step.stage === "copying" || step.stage === "files") && step.total > 0;
  const percent = step.total > 0 ? Math.min(100, Math.round((step.done / step.total) * 100)) : 0;
  return (
    <div className="backups-progress" data-testid="backups-restore-progress" data-stage={step.stage}>
      <span className="backups-progress-label" id={`${id}-label`} data-testid="backups-restore-stage">
        {t(`backups.restoreStage.${step.stage}`, { percent, done: step.done, total: step.total })}
      </span>
      <progress
        aria-labelledby={`${id}-label`}
        max={counted ? step.total : undefined}
        value={counted ? step.done : undefined}
      />
    </div>
  );
}

/**
 * How to restore: "Restore from a file…" (a full path typed in, as for the
 * backup folder: a backup copied from another computer or a synced drive),
 * and the command line for when the window is not at hand.
 */
export function RestoreSection({ restore }: { restore: Restore }) {
  const { t } = useTranslation();
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const path = draft?.trim() ?? "";
  const asking = restore.target != null && restore.target.backup == null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (path && !restore.busy) restore.ask({ path, backup: null });
  };

  return (
    <div className="backups-restore" data-testid="backups-restore">
      <h3 className="team-subhead">{t("backups.restoreTitle")}</h3>
      <p className="card-text">{t("backups.restoreIntro")}</p>
      {draft == null ? (
        <div>
          <button
            type="button"
            className="link-button"
            data-testid="backups-restore-file"
            disabled={restore.busy}
            onClick={() => setDraft("")}
          >
            {t("backups.restoreFromFile")}
          </button>
        </div>
      ) : asking ? (
        <RestoreConfirm restore={restore} />
      ) : (
        <form className="backup-folder-form" onSubmit={submit} noValidate data-testid="backups-restore-file-form">
          <label className="field">
            <span className="field-label">{t("backups.restoreFileField")}</span>
            <input
              type="text"
              data-testid="backups-restore-file-input"
              value={draft}
              spellCheck={false}
              autoComplete="off"
              autoFocus
              disabled={restore.busy}
              aria-describedby={`${id}-hint`}
              onChange={(e) => setDraft(e.target.value)}
            />
          </label>
          <p className="hint" id={`${id}-hint`}>
            {t("backups.restoreFileHint")}
          </p>
          <div className="form-actions">
            <button
              type="submit"
              className="button button--primary"
              data-testid="backups-restore-file-next"
              disabled={!path || restore.busy}
            >
              {t("backups.restore")}
            </button>
            <button
              type="button"
              className="link-button"
              data-testid="backups-restore-file-cancel"
              disabled={restore.busy}
              onClick={() => setDraft(null)}
            >
              {t("projects.cancel")}
            </button>
          </div>
        </form>
      )}
      <p className="hint backups-restore-cli">
        {t("backups.restoreSteps")}{" "}
        <code className="selectable" data-testid="backups-restore-command">
          tuberry restore FILE
        </code>
      </p>
    </div>
  );
}
