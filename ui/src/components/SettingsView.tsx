import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, subscribeShell, type AppSettings, type Folder, type LanStatus, type UpdateStatus } from "../api";
import { formatFull } from "../format";
import { errorText } from "../errors";
import { useAction } from "../hooks";
import { LANGUAGE_NAMES, LANGUAGES, type Language } from "../i18n";
import { chooseLanguage } from "../language";
import { useEngineValue } from "../useAssistant";
import { ApiTokensSection } from "./ApiTokensSection";
import { WebhooksSection } from "./WebhooksSection";
import { ProvidersSection } from "./ProvidersSection";
import { QuickRepliesSection } from "./QuickRepliesSection";
import { LabelsSection } from "./LabelsSection";
import { BackupsSection } from "./BackupsSection";
import { AlertIcon, ChatIcon, DownloadIcon, GearIcon, LinkIcon, TableIcon } from "./Icon";
import { TeamSection } from "./TeamSection";
import { SectionHead } from "./ProjectDetail";
import { TelegramAppForm } from "./TelegramAppForm";

/** The levels the screen offers; a filter written in the file is shown as it is. */
const LOG_LEVELS = ["error", "warn", "info", "debug", "trace"] as const;

/** Where the LAN endpoint listens unless the owner says otherwise. */
export const DEFAULT_LAN_ADDRESS = "0.0.0.0:8787";

type Shown = AppSettings & {
  /** Null when this system cannot say (or change) it. */
  startAtLogin: boolean | null;
};

async function loadSettings(): Promise<Shown> {
  const [settings, startAtLogin] = await Promise.all([
    api.appSettings(),
    api.startAtLogin().catch(() => null),
  ]);
  return { ...settings, startAtLogin };
}

/**
 * What used to need `settings.toml`: the language, notifications, starting at
 * login, the LAN endpoint (and its API's tokens), webhooks, providers, where the data
 * and the logs are and how much the logs say. Every change applies at once and is checked by the engine with
 * the same rules as the file.
 */
export function SettingsView() {
  const { t } = useTranslation();
  const { value, error, apply, reload } = useEngineValue(loadSettings, (e) => e.type === "settings_changed", "settings");
  // Starting at login is the shell's: it says so when the tray changes it.
  useEffect(
    () =>
      subscribeShell((event) => {
        if (event.type === "settings_changed") reload();
      }),
    [reload],
  );

  return (
    <main className="accounts-view" data-testid="settings-view" aria-label={t("settings.title")}>
      <div className="accounts-page settings-page">
        <header className="project-head">
          <h1>{t("settings.title")}</h1>
          <p className="project-head-sub">{t("settings.intro")}</p>
        </header>
        {value == null && error == null && <div className="list-note">{t("accounts.loading")}</div>}
        {value == null && error != null && (
          <div className="list-note list-note--error" role="alert">
            {errorText(error, t)}
          </div>
        )}
        {value && (
          <>
            <GeneralSection settings={value} onChanged={apply} />
            <QuickRepliesSection />
            <LabelsSection />
            <LanSection key={value.lan.listen ?? ""} lan={value.lan} onChanged={(lan) => apply({ ...value, lan })} />
            <ApiTokensSection lan={value.lan} />
            <WebhooksSection />
            <ProvidersSection lan={value.lan} />
            <TeamSection />
            <TelegramAppSection />
            <DataSection settings={value} onChanged={apply} />
            <BackupsSection dataDir={value.dataDir} />
            <UpdatesSection />
          </>
        )}
      </div>
    </main>
  );
}

function GeneralSection({ settings, onChanged }: { settings: Shown; onChanged: (next: Shown) => void }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const { busy, error, run } = useAction();
  const language = (settings.language ?? i18n.language) as Language;

  return (
    <section className="card" data-testid="settings-general" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<GearIcon size={16} />} title={t("settings.general")} />
      <label className="field settings-field">
        <span className="field-label">{t("settings.language")}</span>
        <select
          data-testid="settings-language"
          value={language}
          disabled={busy}
          onChange={(e) => {
            const next = e.target.value as Language;
            void run(async () => {
              await chooseLanguage(next);
              onChanged({ ...settings, language: next });
            });
          }}
        >
          {LANGUAGES.map((l) => (
            <option key={l} value={l}>
              {LANGUAGE_NAMES[l]}
            </option>
          ))}
        </select>
      </label>
      <div>
        <label className="checkbox-line">
          <input
            type="checkbox"
            data-testid="settings-notifications"
            checked={settings.notifications}
            disabled={busy}
            aria-describedby={`${id}-notifications`}
            onChange={(e) => {
              const on = e.target.checked;
              void run(async () => onChanged({ ...settings, notifications: await api.setNotificationsEnabled(on) }));
            }}
          />
          {t("settings.notifications")}
        </label>
        <p className="hint checkbox-hint" id={`${id}-notifications`}>
          {t("settings.notificationsHint")}
        </p>
      </div>
      <div>
        <label className="checkbox-line">
          <input
            type="checkbox"
            data-testid="settings-start-at-login"
            checked={settings.startAtLogin ?? false}
            disabled={busy || settings.startAtLogin == null}
            aria-describedby={`${id}-login`}
            onChange={(e) => {
              const on = e.target.checked;
              void run(async () => onChanged({ ...settings, startAtLogin: await api.setStartAtLogin(on) }));
            }}
          />
          {t("settings.startAtLogin")}
        </label>
        <p className="hint checkbox-hint" id={`${id}-login`}>
          {settings.startAtLogin == null ? t("settings.startAtLoginUnavailable") : t("settings.startAtLoginHint")}
        </p>
      </div>
      {error && (
        <p className="form-error" data-testid="settings-general-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </section>
  );
}

/**
 * The LAN endpoint: off, or listening at an address with a port. A taken or
 * malformed address is refused by the engine and changes nothing.
 */
function LanSection({ lan, onChanged }: { lan: LanStatus; onChanged: (lan: LanStatus) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [address, setAddress] = useState(lan.listen ?? DEFAULT_LAN_ADDRESS);
  const { busy, error, run } = useAction();
  const on = lan.listen != null;
  const set = (listen: string | null) => {
    if (busy) return;
    void run(async () => onChanged(await api.setLanEndpoint(listen)));
  };
  const changed = address.trim() !== (lan.listen ?? "");

  return (
    <section className="card" data-testid="settings-lan" data-on={on} aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<LinkIcon size={16} />} title={t("settings.lan")}>
        <span className="card-head-spacer" />
        <span
          className={`settings-lan-state${lan.listening ? " is-on" : lan.error ? " is-failing" : ""}`}
          data-testid="settings-lan-status"
          role="status"
        >
          {lan.listening
            ? t("settings.lanListening", { address: lan.listening })
            : on
              ? t("settings.lanNotListening")
              : t("settings.lanOff")}
        </span>
      </SectionHead>
      <p className="card-text">{t("settings.lanIntro")}</p>
      {lan.error && (
        <p className="form-error" data-testid="settings-lan-failure" role="alert">
          <AlertIcon size={14} />
          {t("settings.lanFailure", { error: lan.error })}
        </p>
      )}
      <form
        className="settings-lan-form"
        onSubmit={(e) => {
          e.preventDefault();
          set(address.trim());
        }}
      >
        <label className="field settings-field">
          <span className="field-label">{t("settings.lanAddress")}</span>
          <input
            type="text"
            data-testid="settings-lan-address"
            value={address}
            spellCheck={false}
            autoComplete="off"
            aria-describedby={`${id}-address`}
            onChange={(e) => setAddress(e.target.value)}
          />
        </label>
        <p className="hint" id={`${id}-address`}>
          {t("settings.lanAddressHint")}
        </p>
        <div className="form-actions">
          <button
            type="submit"
            className="button button--primary"
            data-testid="settings-lan-save"
            disabled={busy || !address.trim() || (on && !changed)}
          >
            {on ? t("settings.lanMove") : t("settings.lanTurnOn")}
          </button>
          {on && (
            <button type="button" className="button" data-testid="settings-lan-off" disabled={busy} onClick={() => set(null)}>
              {t("settings.lanTurnOff")}
            </button>
          )}
        </div>
      </form>
      {error && (
        <p className="form-error" data-testid="settings-lan-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </section>
  );
}

/** The Telegram application staff accounts connect through. */
function TelegramAppSection() {
  const { t } = useTranslation();
  const id = useId();
  return (
    <section className="card" data-testid="settings-telegram" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<ChatIcon size={16} />} title={t("tgApp.title")} />
      <TelegramAppForm />
    </section>
  );
}

function DataSection({ settings, onChanged }: { settings: Shown; onChanged: (next: Shown) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const { busy, error, run } = useAction();
  const levels: string[] = (LOG_LEVELS as readonly string[]).includes(settings.logLevel)
    ? [...LOG_LEVELS]
    : [...LOG_LEVELS, settings.logLevel];
  const open = (folder: Folder) =>
    void run(async () => {
      await api.openFolder(folder);
    });

  return (
    <section className="card" data-testid="settings-data" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<TableIcon size={16} />} title={t("settings.data")} />
      <dl className="settings-facts">
        <dt>{t("settings.dataDir")}</dt>
        <dd>
          <code className="selectable" data-testid="settings-data-dir">
            {settings.dataDir}
          </code>
          <button type="button" className="link-button" data-testid="settings-open-data" onClick={() => open("data")}>
            {t("settings.openFolder")}
          </button>
        </dd>
        <dt>{t("settings.settingsFile")}</dt>
        <dd>
          <code className="selectable">{settings.settingsFile}</code>
        </dd>
        <dt>{t("settings.logDir")}</dt>
        <dd>
          <code className="selectable">{settings.logDir}</code>
          <button type="button" className="link-button" data-testid="settings-open-logs" onClick={() => open("logs")}>
            {t("settings.openFolder")}
          </button>
        </dd>
      </dl>
      <label className="field settings-field">
        <span className="field-label">{t("settings.logLevel")}</span>
        <select
          data-testid="settings-log-level"
          value={settings.logLevel}
          disabled={busy}
          aria-describedby={`${id}-log`}
          onChange={(e) => {
            const level = e.target.value;
            void run(async () => onChanged({ ...settings, logLevel: await api.setLogLevel(level) }));
          }}
        >
          {levels.map((level) => (
            <option key={level} value={level}>
              {(LOG_LEVELS as readonly string[]).includes(level) ? t(`settings.logLevels.${level}`) : level}
            </option>
          ))}
        </select>
      </label>
      <p className="hint" id={`${id}-log`}>
        {settings.logLevelOverridden ? t("settings.logLevelOverridden") : t("settings.logLevelHint")}
      </p>
      {error && (
        <p className="form-error" data-testid="settings-data-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </section>
  );
}

/**
 * Updates: in a build whose distributor publishes them, when the feed was
 * last read, the version it announces and "Install and restart"; otherwise
 * where this copy's updates come from.
 */
function UpdatesSection() {
  const { t, i18n } = useTranslation();
  const id = useId();
  const [status, setStatus] = useState<UpdateStatus | null>(null);
  const { busy, error, run } = useAction();
  useEffect(() => {
    let live = true;
    const load = () => {
      api
        .updateStatus()
        .then((next) => {
          if (live) setStatus(next);
        })
        .catch((reason: unknown) => console.warn("Could not read the update status", reason));
    };
    load();
    const stop = subscribeShell((event) => {
      if (event.type === "update_changed") load();
    });
    return () => {
      live = false;
      stop();
    };
  }, []);
  if (!status) return null;

  let line: string;
  if (!status.enabled) line = t("settings.updatesByPackage");
  else if (status.installing) line = t("settings.updateInstalling");
  else if (status.checking) line = t("settings.updateChecking");
  else if (status.available) line = t("settings.updateAvailable", { version: status.available.version });
  else if (status.checkedAt != null)
    line = t("settings.upToDate", { when: formatFull(status.checkedAt, i18n.language) });
  else line = t("settings.updatesNotChecked");
  const problem = error ?? (status.error ? t("settings.updateFailed", { error: status.error }) : null);

  return (
    <section className="card" data-testid="settings-updates" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<DownloadIcon size={16} />} title={t("settings.updates")} />
      <dl className="settings-facts">
        <dt>{t("settings.version")}</dt>
        <dd data-testid="settings-version">{status.current}</dd>
      </dl>
      <p className="card-text" data-testid="settings-update-status" role="status">
        {line}
      </p>
      {status.available?.notes && (
        <p className="card-text settings-update-notes" data-testid="settings-update-notes">
          {status.available.notes}
        </p>
      )}
      {status.enabled && (
        <div className="form-actions">
          {status.available ? (
            <button
              type="button"
              className="button button--primary"
              data-testid="settings-update-install"
              disabled={busy || status.installing}
              onClick={() =>
                void run(async () => {
                  setStatus(await api.installUpdate());
                })
              }
            >
              {t("settings.updateInstall")}
            </button>
          ) : null}
          <button
            type="button"
            className="button"
            data-testid="settings-update-check"
            disabled={busy || status.checking || status.installing}
            onClick={() =>
              void run(async () => {
                setStatus(await api.checkForUpdate());
              })
            }
          >
            {t("settings.updateCheck")}
          </button>
        </div>
      )}
      {problem && (
        <p className="form-error" data-testid="settings-update-error" role="alert">
          <AlertIcon size={14} />
          {problem}
        </p>
      )}
    </section>
  );
}
