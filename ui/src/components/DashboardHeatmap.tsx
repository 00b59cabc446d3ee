import { useTranslation } from "react-i18next";
import { WEEKDAYS } from "../api";
import { heatLevel, heatMax } from "../dashboard";

const HOURS = Array.from({ length: 24 }, (_, h) => h);
const pad = (n: number) => String(n).padStart(2, "0");

/**
 * When customers write: a 7 × 24 grid (Monday first, hours 0–23), each
 * cell as dark as its share of the busiest hour, its count in its label.
 */
export function DashboardHeatmap({ hours, zone }: { hours: number[][]; zone: string }) {
  const { t, i18n } = useTranslation();
  const max = heatMax(hours);
  return (
    <section className="card dash-heat" data-testid="dashboard-heatmap" aria-labelledby="dashboard-heat-title">
      <div className="dash-heat-head">
        <h2 className="dash-chart-title" id="dashboard-heat-title">
          {t("dashboard.heat.title")}
        </h2>
        <span className="dash-heat-hint">{t("dashboard.heat.hint", { zone })}</span>
      </div>
      <div className="dash-heat-grid" role="table" aria-labelledby="dashboard-heat-title">
        <div className="dash-heat-row" role="row">
          <span className="dash-heat-corner" role="columnheader" />
          {HOURS.map((h) => (
            <span key={h} className="dash-heat-hour" role="columnheader" aria-label={`${pad(h)}:00`}>
              {h % 3 === 0 ? h : ""}
            </span>
          ))}
        </div>
        {WEEKDAYS.map((weekday, d) => (
          <div key={weekday} className="dash-heat-row" role="row" data-testid="dashboard-heat-row">
            <span className="dash-heat-day" role="rowheader" title={t(`weekday.long.${weekday}`)}>
              {t(`weekday.short.${weekday}`)}
            </span>
            {HOURS.map((h) => {
              const count = hours[d]?.[h] ?? 0;
              const label = t("dashboard.heat.cell", {
                day: t(`weekday.long.${weekday}`),
                hour: pad(h),
                next: pad(h + 1),
                n: count.toLocaleString(i18n.language),
              });
              return (
                <span
                  key={h}
                  className="dash-heat-cell"
                  role="cell"
                  data-testid="dashboard-heat-cell"
                  data-day={d}
                  data-hour={h}
                  data-count={count}
                  title={label}
                  aria-label={label}
                >
                  <span className="dash-heat-fill" style={{ opacity: heatLevel(count, max) }} />
                </span>
              );
            })}
          </div>
        ))}
      </div>
      <div className="dash-heat-scale" aria-hidden="true">
        <span>{t("dashboard.heat.fewer")}</span>
        {[0.12, 0.34, 0.56, 0.78, 1].map((o) => (
          <span key={o} className="dash-heat-cell">
            <span className="dash-heat-fill" style={{ opacity: o }} />
          </span>
        ))}
        <span>{t("dashboard.heat.more")}</span>
      </div>
    </section>
  );
}
