import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { api, type ChannelKind, type DashboardQuery, type Project } from "../api";
import { PERIOD_CHOICES, type PeriodChoice } from "../dashboard";
import { errorText } from "../errors";
import { ChannelSelect } from "./ChannelSelect";
import { DateRange } from "./DateRange";
import { AlertIcon, DownloadIcon } from "./Icon";
import { SavedFile, useSaveFile } from "./SavedFile";

type Props = {
  choice: PeriodChoice;
  onChoice: (choice: PeriodChoice) => void;
  /** The custom period's first and last day, `YYYY-MM-DD`. */
  first: string;
  last: string;
  onDates: (first: string, last: string) => void;
  /** The custom dates do not make a period. */
  badDates: boolean;
  projects: Project[] | null;
  projectId: number | null;
  onProject: (id: number | null) => void;
  channel: ChannelKind | null;
  onChannel: (channel: ChannelKind | null) => void;
  /** What the export saves; null while there is no period yet. */
  query: DashboardQuery | null;
  /** The button that reads the figures again. */
  refresh: ReactNode;
};

/** The period, project and channel the Dashboard shows, and its CSV export. */
export function DashboardControls(props: Props) {
  const { t } = useTranslation();
  const { choice, first, last, projects, projectId, channel } = props;
  return (
    <section className="card dash-controls" data-testid="dashboard-controls" aria-label={t("dashboard.controls")}>
      <div className="dash-controls-row">
        <div className="dash-periods" role="group" aria-label={t("dashboard.period")}>
          {PERIOD_CHOICES.map((c) => (
            <button
              key={c}
              type="button"
              className={`button dash-period${choice === c ? " is-active" : ""}`}
              data-testid={`dashboard-period-${c}`}
              aria-pressed={choice === c}
              onClick={() => props.onChoice(c)}
            >
              {t(`dashboard.periodOption.${c}`)}
            </button>
          ))}
        </div>
        <label className="dash-select">
          <span>{t("dashboard.project")}</span>
          <select
            data-testid="dashboard-project"
            value={projectId ?? ""}
            onChange={(e) => props.onProject(e.target.value === "" ? null : Number(e.target.value))}
          >
            <option value="">{t("dashboard.allProjects")}</option>
            {(projects ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="dash-select">
          <span>{t("dashboard.channel")}</span>
          <ChannelSelect
            testId="dashboard-channel"
            value={channel}
            onChange={props.onChannel}
            allLabel={t("dashboard.allChannels")}
          />
        </label>
        <div className="card-head-spacer" />
        {props.refresh}
        <ExportButton query={props.query} />
      </div>
      {choice === "custom" && (
        <div className="dash-controls-row dash-dates">
          <DateRange
            from={first}
            to={last}
            onChange={props.onDates}
            labels={[t("dashboard.from"), t("dashboard.to")]}
            testIds={["dashboard-from", "dashboard-to"]}
            className="dash-select"
          />
          {props.badDates && (
            <span className="field-error" role="alert" data-testid="dashboard-bad-dates">
              {t("dashboard.badDates")}
            </span>
          )}
        </div>
      )}
    </section>
  );
}

/** Saves the Dashboard as CSV in Downloads and says where, with "Show in folder". */
function ExportButton({ query }: { query: DashboardQuery | null }) {
  const { t } = useTranslation();
  const { busy, saved, error, run } = useSaveFile(query ? () => api.exportDashboardCsv(query, null) : null);

  return (
    <div className="dash-export">
      <button type="button" className="button" data-testid="dashboard-export" disabled={!query || busy} onClick={run}>
        <DownloadIcon size={13} />
        {t("dashboard.export")}
      </button>
      {saved && <SavedFile path={saved} text={t("dashboard.savedTo", { path: saved })} testId="dashboard-saved" />}
      {error != null && (
        <span className="form-error" role="alert" data-testid="dashboard-export-error">
          <AlertIcon size={13} />
          {errorText(error, t)}
        </span>
      )}
    </div>
  );
}
