import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api";
import { useAction } from "../hooks";
import { AlertIcon, CheckIcon } from "./Icon";

/**
 * Where backups go unless the owner picks a folder: `backups` in the data
 * folder, written with the data folder's own separator.
 */
export function defaultBackupDir(dataDir: string): string {
  const windows = /^[A-Za-z]:\\|^\\\\/.test(dataDir) || (dataDir.includes("\\") && !dataDir.includes("/"));
  return `${dataDir.replace(/[\\/]+$/, "")}${windows ? "\\" : "/"}backups`;
}

/**
 * The folder backups go to, with "Change…" (a full path typed in: a synced
 * folder, a USB disk) and "Use the default". The engine creates the folder
 * and refuses a relative path or a folder it cannot write to; the folder
 * shown stays the old one until it accepts.
 */
export function BackupFolder({
  dir,
  isDefault,
  onChanged,
}: {
  dir: string;
  isDefault: boolean;
  onChanged: (dir: string) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  // A refusal stays shown until the change is given up.
  const [showError, setShowError] = useState(true);
  const { busy, error, run } = useAction();
  const editing = draft != null;
  const changed = editing && draft.trim() !== "" && draft.trim() !== dir;

  const set = (next: string | null) => {
    setShowError(true);
    void run(async () => {
      const chosen = await api.setBackupDir(next);
      setDraft(null);
      setSaved(true);
      onChanged(chosen);
    });
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (changed && !busy) set(draft.trim());
  };

  return (
    <div className="backup-folder">
      <dl className="settings-facts">
        <dt>{t("backups.folder")}</dt>
        <dd>
          <code className="selectable" data-testid="backups-dir">
            {dir}
          </code>
          {isDefault && (
            <span className="muted" data-testid="backups-dir-default">
              {t("backups.defaultFolder")}
            </span>
          )}
          {!editing && (
            <button
              type="button"
              className="link-button"
              data-testid="backups-change"
              disabled={busy}
              onClick={() => {
                setSaved(false);
                setDraft(isDefault ? "" : dir);
              }}
            >
              {t("backups.change")}
            </button>
          )}
          {!editing && !isDefault && (
            <button
              type="button"
              className="link-button"
              data-testid="backups-use-default"
              disabled={busy}
              onClick={() => {
                setSaved(false);
                set(null);
              }}
            >
              {t("backups.useDefault")}
            </button>
          )}
          {saved && !editing && (
            <span className="form-saved" data-testid="backups-dir-saved" role="status">
              <CheckIcon size={13} />
              {t("mailboxForm.saved")}
            </span>
          )}
        </dd>
      </dl>
      {editing && (
        <form className="backup-folder-form" onSubmit={submit} noValidate data-testid="backups-dir-form">
          <label className="field">
            <span className="field-label">{t("backups.folderField")}</span>
            <input
              type="text"
              data-testid="backups-dir-input"
              value={draft}
              spellCheck={false}
              autoComplete="off"
              autoFocus
              disabled={busy}
              aria-describedby={`${id}-hint`}
              onChange={(e) => setDraft(e.target.value)}
            />
          </label>
          <p className="hint" id={`${id}-hint`}>
            {t("backups.folderHint")}
          </p>
          <div className="form-actions">
            <button type="submit" className="button button--primary" data-testid="backups-dir-save" disabled={!changed || busy}>
              {busy ? t("projects.saving") : t("projects.save")}
            </button>
            <button
              type="button"
              className="link-button"
              data-testid="backups-dir-cancel"
              disabled={busy}
              onClick={() => {
                setDraft(null);
                setShowError(false);
              }}
            >
              {t("projects.cancel")}
            </button>
          </div>
        </form>
      )}
      {error && showError && (
        <p className="form-error" data-testid="backups-dir-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </div>
  );
}
