import { useCallback, useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Backup } from "../api";
import { errorText } from "../errors";
import { formatFull, formatSince, formatSize } from "../format";
import { useAction, useNow } from "../hooks";
import { BackupFolder, defaultBackupDir } from "./BackupFolder";
import { RestoreConfirm, RestoreSection, useRestore, type Restore } from "./BackupRestore";
import { AlertIcon, ArchiveIcon, CheckIcon } from "./Icon";
import { SectionHead } from "./ProjectDetail";

/** How many backups the list shows before "Show all". */
const SHOWN = 5;

type Loaded = { backups: Backup[]; dir: string };

/** The list with `made` in it, the newest first, whether or not it was read back. */
function withBackup(backups: Backup[], made: Backup): Backup[] {
  if (backups.some((b) => b.name === made.name)) return backups;
  return [made, ...backups].sort((a, b) => b.createdAt - a.createdAt);
}

/**
 * Backups of the database: the last one, "Back up now", the folder they go
 * to, the backups in it, and restoring one (from the list or a file typed
 * in; the app starts again with it). While Tuberry runs it backs
 * up once a day, before an update changes the database, and on demand; it
 * keeps 7 daily, 4 weekly and the last 3 taken before an update. Passwords
 * and tokens are not in them (they stay in the system keychain).
 */
export function BackupsSection({ dataDir }: { dataDir: string }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const now = useNow();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  /** The name of the backup taken from here, shown as such in the list. */
  const [taken, setTaken] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const restore = useRestore();

  const load = useCallback(() => {
    Promise.all([api.listBackups(), api.backupDir()])
      .then(([backups, dir]) => {
        setLoaded({ backups, dir });
        setLoadError(null);
      })
      .catch(setLoadError);
  }, []);
  useEffect(load, [load]);

  const backUp = () =>
    void run(async () => {
      const made = await api.backUpNow();
      // The engine may have pruned older ones as it kept the new one.
      const listed = await api.listBackups().catch(() => null);
      setLoaded((prev) => prev && { ...prev, backups: withBackup(listed ?? prev.backups, made) });
      setTaken(made.name);
    });

  const newest = loaded?.backups[0] ?? null;
  const kind = (b: Backup) => t(`backups.kind.${b.kind}`);

  return (
    <section className="card backups" data-testid="settings-backups" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<ArchiveIcon size={16} />} title={t("backups.title")} />
      <p className="card-text">{t("backups.intro")}</p>
      {loaded == null && loadError == null && <p className="hint">{t("accounts.loading")}</p>}
      {loaded == null && loadError != null && (
        <p className="form-error" role="alert" data-testid="backups-load-error">
          <AlertIcon size={14} />
          {errorText(loadError, t)}
        </p>
      )}
      {loaded && (
        <>
          <div className="backups-now">
            <p className="backups-last" data-testid="backups-last">
              {newest
                ? t("backups.last", {
                    when: formatSince(newest.createdAt, now, t, i18n.language),
                    size: formatSize(newest.size, i18n.language),
                    kind: kind(newest),
                  })
                : t("backups.none")}
            </p>
            <div className="form-actions">
              <button
                type="button"
                className="button button--primary"
                data-testid="backups-now"
                disabled={busy || restore.busy}
                aria-busy={busy || undefined}
                onClick={backUp}
              >
                {busy ? t("backups.backingUp") : t("backups.backUpNow")}
              </button>
              {taken && !busy && !error && (
                <span className="form-saved" data-testid="backups-taken" role="status">
                  <CheckIcon size={13} />
                  {t("backups.taken")}
                </span>
              )}
            </div>
            {error && (
              <p className="form-error" data-testid="backups-error" role="alert">
                <AlertIcon size={14} />
                {error}
              </p>
            )}
          </div>
          <BackupFolder
            dir={loaded.dir}
            isDefault={loaded.dir === defaultBackupDir(dataDir)}
            onChanged={(dir) => {
              setLoaded((prev) => prev && { ...prev, dir });
              setTaken(null);
              // The list is the new folder's.
              load();
            }}
          />
          <BackupList backups={loaded.backups} taken={taken} restore={restore} />
          <RestoreSection restore={restore} />
        </>
      )}
    </section>
  );
}

/**
 * The backups in the folder, the newest first, each with "Restore…" (asked
 * about under its row); a long list shows its first few until asked.
 */
function BackupList({ backups, taken, restore }: { backups: Backup[]; taken: string | null; restore: Restore }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const [all, setAll] = useState(false);
  if (backups.length === 0) return null;
  const asked = restore.target?.backup?.path ?? null;
  // The backup asked about stays shown when the list is folded.
  const shown = all ? backups : backups.filter((b, i) => i < SHOWN || b.path === asked);

  return (
    <div className="backups-list-block">
      <h3 className="team-subhead" id={`${id}-title`}>
        {t("backups.listTitle")}
      </h3>
      <ul className="backups-list" aria-labelledby={`${id}-title`} data-testid="backups-list">
        {shown.map((b) => (
          <li
            key={b.name}
            className={`backups-row${b.name === taken ? " is-new" : ""}`}
            data-testid="backups-row"
            data-kind={b.kind}
            title={b.path}
          >
            <span className="backups-when">{formatFull(b.createdAt, i18n.language)}</span>
            <span className="backups-kind">{t(`backups.kind.${b.kind}`)}</span>
            <span className="backups-size">{formatSize(b.size, i18n.language)}</span>
            <button
              type="button"
              className="button backups-row-restore"
              data-testid="backups-restore-row"
              aria-label={t("backups.restoreRow", { when: formatFull(b.createdAt, i18n.language) })}
              disabled={restore.busy}
              onClick={() => restore.ask({ path: b.path, backup: b })}
            >
              {t("backups.restore")}
            </button>
            {b.path === asked && (
              <div className="backups-row-confirm">
                <RestoreConfirm restore={restore} />
              </div>
            )}
          </li>
        ))}
      </ul>
      {backups.length > SHOWN && (
        <button
          type="button"
          className="link-button backups-more"
          data-testid="backups-show-all"
          aria-expanded={all}
          onClick={() => setAll(!all)}
        >
          {all ? t("backups.showFewer") : t("backups.showAll", { n: backups.length })}
        </button>
      )}
    </div>
  );
}
