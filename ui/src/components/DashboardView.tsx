// The Dashboard: how the shop answered in a period. Charts use recharts: maintained, declarative React components, SVG that stays sharp in a desktop window and follows CSS colours.
import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { api, type ChannelKind, type Dashboard, type DashboardQuery, type Period } from "../api";
import { customPeriod, dateInputValue, formatDuration, isEmptyPeriod, percent, PERIOD_DAYS, type PeriodChoice } from "../dashboard";
import { errorText } from "../errors";
import { useProjectList } from "../useProjectList";
import { DailyCharts, PeopleTable, RepliesChart, WaitingChart } from "./DashboardCharts";
import { DashboardControls } from "./DashboardControls";
import { DashboardHeatmap } from "./DashboardHeatmap";
import { AlertIcon, RefreshIcon } from "./Icon";

const DAY = 24 * 60 * 60 * 1000;

/**
 * Everything the Dashboard draws for a period (today, the last 7 or 30
 * days, or two chosen dates), one project or all, one kind of channel or
 * all: the figures on top, the charts by day, who replied, who is waiting
 * now, each person's replies and when customers write.
 */
export function DashboardView() {
  const { t } = useTranslation();
  const projects = useProjectList();
  const [choice, setChoice] = useState<PeriodChoice>("week");
  const [dates, setDates] = useState(() => ({ first: dateInputValue(Date.now() - 6 * DAY), last: dateInputValue(Date.now()) }));
  const [preset, setPreset] = useState<Period | null>(null);
  const [projectId, setProjectId] = useState<number | null>(null);
  const [channel, setChannel] = useState<ChannelKind | null>(null);
  const [dashboard, setDashboard] = useState<Dashboard | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  /** Asked again by "Refresh": the last days are counted up to a new now. */
  const [round, setRound] = useState(0);
  const request = useRef(0);

  // A preset asks the engine for its days (in this computer's time zone).
  useEffect(() => {
    if (choice === "custom") return;
    let live = true;
    api
      .lastDays(PERIOD_DAYS[choice])
      .then((period) => {
        if (live) setPreset(period);
      })
      .catch((e: unknown) => {
        if (live) setError(e);
      });
    return () => {
      live = false;
    };
  }, [choice, round]);

  const custom = useMemo(() => customPeriod(dates.first, dates.last), [dates]);
  const period = choice === "custom" ? custom : preset;
  const query = useMemo<DashboardQuery | null>(
    // A new round makes a new query, so "Refresh" reads a custom period again too.
    () => (period ? { period, projectId, channel } : null),
    [period, projectId, channel, round],
  );

  useEffect(() => {
    if (!query) return;
    const id = ++request.current;
    setLoading(true);
    api
      .dashboard(query)
      .then((next) => {
        if (id !== request.current) return;
        setDashboard(next);
        setError(null);
      })
      .catch((e: unknown) => {
        if (id === request.current) setError(e);
      })
      .finally(() => {
        if (id === request.current) setLoading(false);
      });
  }, [query]);
  useEffect(() => () => void (request.current += 1), []);

  const choose = (next: PeriodChoice) => {
    if (next !== choice) setPreset(null);
    setChoice(next);
  };

  return (
    <main className="accounts-view dashboard-view" data-testid="dashboard-view" aria-label={t("dashboard.title")}>
      <div className="accounts-page dashboard-page" aria-busy={loading}>
        <header className="project-head accounts-head health-head">
          <div>
            <h1>{t("dashboard.title")}</h1>
            <p className="project-head-sub">{t("dashboard.intro")}</p>
          </div>
        </header>
        <DashboardControls
          choice={choice}
          onChoice={choose}
          first={dates.first}
          last={dates.last}
          onDates={(first, last) => setDates({ first, last })}
          badDates={choice === "custom" && custom == null}
          projects={projects}
          projectId={projectId}
          onProject={setProjectId}
          channel={channel}
          onChannel={setChannel}
          query={query}
          refresh={
            <button
              type="button"
              className="icon-button"
              data-testid="dashboard-refresh"
              aria-label={t("dashboard.refresh")}
              title={t("dashboard.refresh")}
              disabled={loading}
              onClick={() => setRound((r) => r + 1)}
            >
              <RefreshIcon size={14} />
            </button>
          }
        />
        {dashboard == null && error == null && (
          <div className="list-note" data-testid="dashboard-loading">
            {t("dashboard.loading")}
          </div>
        )}
        {error != null && (
          <p className="form-error" role="alert" data-testid="dashboard-load-error">
            <AlertIcon size={14} />
            {errorText(error, t)}
          </p>
        )}
        {dashboard && <DashboardBody dashboard={dashboard} />}
      </div>
    </main>
  );
}

function DashboardBody({ dashboard }: { dashboard: Dashboard }) {
  const { t } = useTranslation();
  if (isEmptyPeriod(dashboard)) {
    const waiting = dashboard.waiting.some((w) => w.conversations > 0);
    return (
      <>
        <div className="card dash-empty" data-testid="dashboard-empty" role="status">
          <h2>{t("dashboard.empty.title")}</h2>
          <p className="card-text muted">{t("dashboard.empty.text")}</p>
        </div>
        {waiting && (
          <div className="dash-charts">
            <WaitingChart dashboard={dashboard} />
          </div>
        )}
      </>
    );
  }
  return (
    <>
      <Cards dashboard={dashboard} />
      <div className="dash-charts">
        <DailyCharts dashboard={dashboard} />
      </div>
      <DashboardHeatmap hours={dashboard.busiestHours} zone={dashboard.zone} />
      <div className="dash-charts">
        <RepliesChart dashboard={dashboard} />
        <WaitingChart dashboard={dashboard} />
      </div>
      <PeopleTable dashboard={dashboard} />
    </>
  );
}

function Cards({ dashboard }: { dashboard: Dashboard }) {
  const { t, i18n } = useTranslation();
  const f = dashboard.figures;
  const count = (n: number) => n.toLocaleString(i18n.language);
  const p90 = (ms: number | null) => (ms == null ? null : t("dashboard.card.p90", { time: formatDuration(ms, t) }));
  return (
    <div className="dash-cards" data-testid="dashboard-cards">
      <Card testId="dashboard-card-new" title={t("dashboard.card.newConversations")} value={count(f.newConversations)} />
      <Card
        testId="dashboard-card-answered"
        title={t("dashboard.card.answered")}
        value={count(f.answered)}
        note={t("dashboard.card.answeredShare", { n: percent(f.answered, f.newConversations) })}
      />
      <Card
        testId="dashboard-card-first-response"
        title={t("dashboard.card.firstResponse")}
        value={formatDuration(f.firstResponseMedianMs, t)}
        note={p90(f.firstResponseP90Ms)}
      />
      <Card
        testId="dashboard-card-resolution"
        title={t("dashboard.card.resolution")}
        value={formatDuration(dashboard.resolutionMedianMs, t)}
        note={
          <>
            {p90(dashboard.resolutionP90Ms)}
            {dashboard.resolutionP90Ms != null && <br />}
            {t("dashboard.card.resolved", { n: count(dashboard.resolved) })}
          </>
        }
      />
      <Card
        testId="dashboard-card-needed"
        title={t("dashboard.card.neededAPerson")}
        value={count(dashboard.neededAPerson)}
        note={t("dashboard.card.neededShare", { n: percent(dashboard.neededAPerson, f.newConversations) })}
      />
    </div>
  );
}

function Card({ testId, title, value, note }: { testId: string; title: string; value: string; note?: ReactNode }) {
  return (
    <section className="card dash-card" data-testid={testId} aria-label={title}>
      <span className="dash-card-title">{title}</span>
      <span className="dash-card-value" data-testid="dashboard-card-value">
        {value}
      </span>
      {note && (
        <span className="dash-card-note" data-testid="dashboard-card-note">
          {note}
        </span>
      )}
    </section>
  );
}
