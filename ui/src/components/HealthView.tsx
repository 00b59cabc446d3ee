import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Guardrail, type Health, type Project } from "../api";
import { apiMessage, errorText } from "../errors";
import { formatFull, formatSince, formatSize } from "../format";
import { accountProblem, databaseProblem, formatPercent, healthProblems, lanProblem } from "../health";
import { useEngineEvents, useNow } from "../hooks";
import { ChannelBadge } from "./ChannelBadge";
import { HealthQueue } from "./HealthQueue";
import { HealthRow, HealthSection } from "./HealthParts";
import { SavedFile, useSaveFile } from "./SavedFile";
import {
  AccountsIcon,
  AlertIcon,
  ArchiveIcon,
  ChartIcon,
  CheckIcon,
  DownloadIcon,
  GroupIcon,
  RefreshIcon,
  ShieldIcon,
} from "./Icon";

/** How often the report is made again while the screen is open. */
const REFRESH_MS = 10_000;

/** Engine events after which the report may read differently. */
const RELEVANT = new Set([
  "account_changed",
  "project_changed",
  "settings_changed",
  "guard_changed",
  "message_updated",
  "resync",
]);

/**
 * What is broken and how to fix it: every channel account, the queue (with
 * the jobs that failed, to send again or give up), the work groups, the
 * keyring, the model server, the LAN endpoint, the database and the last
 * backup, with a summary on top, and the guardrails of the last 24 hours. The
 * report is made again every few seconds and when the engine says something
 * changed. A support bundle (the report, the settings and the last logs) is
 * saved from here.
 */
export function HealthView() {
  const { t, i18n } = useTranslation();
  const now = useNow(REFRESH_MS);
  const [health, setHealth] = useState<Health | null>(null);
  /** Bot usernames by project, for the work group problems' words. */
  const [bots, setBots] = useState<Map<number, string>>(new Map());
  const [error, setError] = useState<unknown>(null);
  const [checking, setChecking] = useState(false);
  const request = useRef(0);

  const load = useCallback(() => {
    const id = ++request.current;
    setChecking(true);
    Promise.all([api.health(), api.listProjects().catch((): Project[] => [])])
      .then(([next, projects]) => {
        if (id !== request.current) return;
        setHealth(next);
        setBots(new Map(projects.flatMap((p) => (p.bot ? [[p.id, p.bot.username] as const] : []))));
        setError(null);
      })
      .catch((e: unknown) => {
        if (id === request.current) setError(e);
      })
      .finally(() => {
        if (id === request.current) setChecking(false);
      });
  }, []);

  useEffect(() => {
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      clearInterval(timer);
      request.current += 1;
    };
  }, [load]);

  const debounce = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => clearTimeout(debounce.current ?? undefined), []);
  useEngineEvents((event) => {
    if (!RELEVANT.has(event.type)) return;
    clearTimeout(debounce.current ?? undefined);
    debounce.current = setTimeout(load, 200);
  });

  const problems = health ? healthProblems(health) : 0;

  return (
    <main className="accounts-view health-view" data-testid="health-view" aria-label={t("health.title")}>
      <div className="accounts-page">
        <header className="project-head accounts-head health-head">
          <div>
            <h1>{t("health.title")}</h1>
            <p className="project-head-sub">{t("health.intro")}</p>
          </div>
          {health && (
            <span className="health-checked" data-testid="health-checked-at" title={formatFull(health.checkedAt, i18n.language)}>
              {t("health.checkedAt", { time: formatSince(health.checkedAt, Math.max(now, health.checkedAt), t, i18n.language) })}
            </span>
          )}
          <button type="button" className="button" data-testid="health-check" disabled={checking} onClick={load}>
            <RefreshIcon size={13} />
            {t("health.checkAgain")}
          </button>
        </header>
        <SupportBundle />
        {health == null && error == null && <div className="list-note">{t("accounts.loading")}</div>}
        {error != null && (
          <p className="form-error" role="alert" data-testid="health-load-error">
            <AlertIcon size={14} />
            {errorText(error, t)}
          </p>
        )}
        {health && (
          <>
            <p
              className={`health-summary ${problems === 0 ? "is-ok" : "is-problem"}`}
              data-testid="health-summary"
              data-problems={problems}
              role="status"
            >
              {problems === 0 ? <CheckIcon size={16} /> : <AlertIcon size={16} />}
              {problems === 0
                ? t("health.summaryOk")
                : problems === 1
                  ? t("health.summaryOne")
                  : t("health.summaryMany", { n: problems })}
            </p>
            <AccountsCard health={health} />
            <HealthQueue queue={health.queue} now={Math.max(now, health.checkedAt)} onChanged={load} />
            {health.workGroups.length > 0 && <WorkGroupsCard health={health} bots={bots} />}
            {health.guardrails.length > 0 && <GuardrailsCard guardrails={health.guardrails} />}
            <ServicesCard health={health} />
            <DataCard health={health} now={Math.max(now, health.checkedAt)} />
          </>
        )}
      </div>
    </main>
  );
}

function AccountsCard({ health }: { health: Health }) {
  const { t } = useTranslation();
  return (
    <HealthSection id="health-accounts-title" icon={<AccountsIcon size={16} />} title={t("health.accounts.title")} testId="health-accounts">
      {health.accounts.length === 0 && <HealthRow ok title={t("health.accounts.none")} testId="health-no-accounts" />}
      {health.accounts.map((a) => (
        <HealthRow
          key={a.id}
          ok={!accountProblem(a)}
          head={<ChannelBadge kind={a.kind} />}
          title={a.name}
          testId="health-account"
          data={{ "data-account-id": a.id, "data-state": a.state }}
          error={a.lastError}
          fix={a.fix}
        >
          <span data-testid="health-account-state">{t(`accounts.state.${a.state}`)}</span>
        </HealthRow>
      ))}
    </HealthSection>
  );
}

function WorkGroupsCard({ health, bots }: { health: Health; bots: Map<number, string> }) {
  const { t } = useTranslation();
  return (
    <HealthSection id="health-groups-title" icon={<GroupIcon size={16} />} title={t("health.groups.title")} testId="health-groups">
      {health.workGroups.map((g) => (
        <HealthRow
          key={`${g.projectId}-${g.title}`}
          ok={g.missing.length === 0}
          title={t("health.groups.group", { project: g.project, title: g.title })}
          testId="health-group"
          fix={g.missing.length > 0 ? "group_rights" : null}
        >
          {g.missing.length === 0 ? (
            <span>{t("health.groups.ready")}</span>
          ) : (
            <ul className="health-missing">
              {g.missing.map((p) => (
                <li key={p} data-problem={p}>
                  {t(`workGroup.problem.${p}`, { bot: bots.get(g.projectId) ?? "bot" })}
                </li>
              ))}
            </ul>
          )}
        </HealthRow>
      ))}
    </HealthSection>
  );
}

/**
 * The ratios of the last 24 hours against their thresholds: what went wrong
 * of all the events of a kind, and what to do when one is crossed.
 */
function GuardrailsCard({ guardrails }: { guardrails: Guardrail[] }) {
  const { t, i18n } = useTranslation();
  const count = (n: number) => new Intl.NumberFormat(i18n.language).format(n);
  return (
    <HealthSection
      id="health-guardrails-title"
      icon={<ChartIcon size={16} />}
      title={t("health.guardrails.title")}
      testId="health-guardrails"
    >
      {guardrails.map((g) => (
        <HealthRow
          key={g.kind}
          ok={!g.crossed}
          title={t(`health.guardrails.kind.${g.kind}`)}
          testId="health-guardrail"
          data={{ "data-kind": g.kind, "data-crossed": g.crossed }}
          advice={t(`health.guardrails.fix.${g.kind}`)}
        >
          <span data-testid="health-guardrail-ratio">
            {g.total === 0
              ? t("health.guardrails.noEvents")
              : t("health.guardrails.ratio", {
                  events: count(g.events),
                  total: count(g.total),
                  ratio: formatPercent(g.ratio, 1, i18n.language),
                })}
          </span>
          <span data-testid="health-guardrail-threshold">
            {t("health.guardrails.threshold", { threshold: formatPercent(g.threshold, 0, i18n.language) })}
          </span>
        </HealthRow>
      ))}
    </HealthSection>
  );
}

function ServicesCard({ health }: { health: Health }) {
  const { t } = useTranslation();
  const { keyring, modelServer, lan } = health;
  const lanText =
    lan.listen == null
      ? t("health.lan.off")
      : lan.listening != null && lan.error == null
        ? t("health.lan.listening", { address: lan.listening })
        : t("health.lan.notListening", { address: lan.listen, error: lan.error ?? t("health.lan.unknown") });
  return (
    <HealthSection id="health-services-title" icon={<ShieldIcon size={16} />} title={t("health.services.title")} testId="health-services">
      <HealthRow ok={keyring.ok} title={t("health.keyring")} testId="health-keyring" fix={keyring.fix}>
        <span>{keyring.ok ? t("health.reachable") : t("health.unreachable")}</span>
        {keyring.detail && <span className="selectable">{keyring.detail}</span>}
      </HealthRow>
      {modelServer && (
        <HealthRow ok={modelServer.ok} title={t("health.modelServer")} testId="health-model-server" fix={modelServer.fix}>
          <span>{modelServer.ok ? t("health.reachable") : t("health.unreachable")}</span>
          {modelServer.detail && <span className="selectable">{modelServer.detail}</span>}
        </HealthRow>
      )}
      <HealthRow ok={!lanProblem(lan)} title={t("health.lan.title")} testId="health-lan">
        <span data-testid="health-lan-state">{lanText}</span>
      </HealthRow>
    </HealthSection>
  );
}

function DataCard({ health, now }: { health: Health; now: number }) {
  const { t, i18n } = useTranslation();
  const { database: db, lastBackup } = health;
  const size = (bytes: number) => formatSize(bytes, i18n.language);
  return (
    <HealthSection id="health-data-title" icon={<ArchiveIcon size={16} />} title={t("health.data.title")} testId="health-data">
      <HealthRow ok={!databaseProblem(health)} title={t("health.data.database")} testId="health-database" fix={db.fix}>
        <span className="selectable" data-testid="health-db-path">{db.path}</span>
        <span>{t("health.data.size", { size: size(db.sizeBytes) })}</span>
        {db.freeDiskBytes != null && <span>{t("health.data.free", { size: size(db.freeDiskBytes) })}</span>}
        <span data-testid="health-db-intact">{db.intact ? t("health.data.intact") : t("health.data.damaged")}</span>
      </HealthRow>
      <HealthRow ok={health.backupFix == null} title={t("health.data.backup")} testId="health-backup" fix={health.backupFix}>
        <span data-testid="health-backup-when" title={lastBackup ? formatFull(lastBackup.createdAt, i18n.language) : undefined}>
          {lastBackup
            ? t("health.data.lastBackup", { when: formatSince(lastBackup.createdAt, now, t, i18n.language) })
            : t("health.data.noBackup")}
        </span>
      </HealthRow>
    </HealthSection>
  );
}

/**
 * Saves a zip for support (this report, the settings and the last logs, with
 * passwords and tokens blacked out) in Downloads and says where, with "Show
 * in folder".
 */
function SupportBundle() {
  const { t } = useTranslation();
  const { busy, saved, error, run } = useSaveFile(() => api.supportBundle(null));

  return (
    <div className="health-bundle" data-testid="health-bundle">
      <button
        type="button"
        className="button"
        data-testid="health-bundle-make"
        disabled={busy}
        aria-busy={busy || undefined}
        onClick={run}
      >
        <DownloadIcon size={13} />
        {t("health.bundle")}
      </button>
      <span className="health-bundle-hint">{t("health.bundleHint")}</span>
      {saved && <SavedFile path={saved} text={t("health.bundleSaved", { path: saved })} testId="health-bundle-saved" />}
      {error != null && (
        <span className="form-error" role="alert" data-testid="health-bundle-error">
          <AlertIcon size={13} />
          {apiMessage(error, t)}
        </span>
      )}
    </div>
  );
}
