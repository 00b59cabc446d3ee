// The Dashboard's charts, drawn with recharts (why: see DashboardView.tsx).
import { useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Bar, BarChart, CartesianGrid, Cell, Legend, Line, LineChart, Pie, PieChart, Tooltip, XAxis, YAxis } from "recharts";
import type { Dashboard } from "../api";
import { formatDuration, percent, replyShares, shortDay } from "../dashboard";

const HEIGHT = 190;
const AXIS_TICK = { fontSize: 11, fill: "var(--text-3)" };
const TOOLTIP = {
  contentStyle: {
    background: "var(--surface)",
    border: "1px solid var(--border-strong)",
    borderRadius: 8,
    fontSize: 12,
    color: "var(--text)",
  },
  cursor: { fill: "var(--surface-hover)" },
};
const REPLY_COLOURS = { people: "var(--accent)", assistant: "var(--st-assistant)", autoReply: "var(--ch-telegram)" } as const;

/** The width of a box, followed as the window resizes (charts draw at a fixed size). */
function useWidth() {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.floor(el.clientWidth));
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

/** One chart's card: a title, and the chart at the card's width. */
function ChartCard({
  title,
  testId,
  wide,
  children,
  footer,
}: {
  title: string;
  testId: string;
  wide?: boolean;
  children: (width: number) => ReactNode;
  footer?: ReactNode;
}) {
  const [ref, width] = useWidth();
  return (
    <figure className={`card dash-chart${wide ? " is-wide" : ""}`} data-testid={testId} aria-label={title}>
      <figcaption className="dash-chart-title">{title}</figcaption>
      <div className="dash-chart-box" ref={ref}>
        {width > 0 && children(width)}
      </div>
      {footer}
    </figure>
  );
}

/** New conversations, and messages in and out, day by day. */
export function DailyCharts({ dashboard }: { dashboard: Dashboard }) {
  const { t, i18n } = useTranslation();
  const data = dashboard.days.map((d) => ({ ...d, label: shortDay(d.day, i18n.language) }));
  return (
    <>
      <ChartCard title={t("dashboard.chart.newPerDay")} testId="dashboard-chart-new">
        {(width) => (
          <BarChart width={width} height={HEIGHT} data={data} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
            <CartesianGrid vertical={false} stroke="var(--border)" />
            <XAxis dataKey="label" tick={AXIS_TICK} tickLine={false} axisLine={{ stroke: "var(--border-strong)" }} minTickGap={12} />
            <YAxis allowDecimals={false} tick={AXIS_TICK} tickLine={false} axisLine={false} />
            <Tooltip {...TOOLTIP} />
            <Bar
              dataKey="newConversations"
              name={t("dashboard.chart.newConversations")}
              fill="var(--accent)"
              radius={[3, 3, 0, 0]}
              maxBarSize={28}
              isAnimationActive={false}
            />
          </BarChart>
        )}
      </ChartCard>
      <ChartCard title={t("dashboard.chart.messagesPerDay")} testId="dashboard-chart-messages">
        {(width) => (
          <LineChart width={width} height={HEIGHT} data={data} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
            <CartesianGrid vertical={false} stroke="var(--border)" />
            <XAxis dataKey="label" tick={AXIS_TICK} tickLine={false} axisLine={{ stroke: "var(--border-strong)" }} minTickGap={12} />
            <YAxis allowDecimals={false} tick={AXIS_TICK} tickLine={false} axisLine={false} />
            <Tooltip {...TOOLTIP} cursor={{ stroke: "var(--border-strong)" }} />
            <Legend iconType="plainline" wrapperStyle={{ fontSize: 12, color: "var(--text-2)" }} />
            <Line
              type="monotone"
              dataKey="messagesIn"
              name={t("dashboard.chart.messagesIn")}
              stroke="var(--ch-telegram)"
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
            />
            <Line
              type="monotone"
              dataKey="messagesOut"
              name={t("dashboard.chart.messagesOut")}
              stroke="var(--accent)"
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
            />
          </LineChart>
        )}
      </ChartCard>
    </>
  );
}

/** Who wrote the period's replies: people, the assistant, the auto-reply. */
export function RepliesChart({ dashboard }: { dashboard: Dashboard }) {
  const { t, i18n } = useTranslation();
  const shares = replyShares(dashboard);
  const total = shares.reduce((a, s) => a + s.value, 0);
  const data = shares.map((s) => ({ ...s, name: t(`dashboard.author.${s.key}`) }));
  const legend = (
    <ul className="dash-legend" data-testid="dashboard-replies-legend">
      {data.map((s) => (
        <li key={s.key} data-testid={`dashboard-replies-${s.key}`}>
          <span className="dash-swatch" style={{ background: REPLY_COLOURS[s.key] }} aria-hidden="true" />
          <span className="dash-legend-name">{s.name}</span>
          <span className="dash-legend-value">
            {s.value.toLocaleString(i18n.language)} · {percent(s.value, total)}%
          </span>
        </li>
      ))}
    </ul>
  );
  return (
    <ChartCard title={t("dashboard.chart.replies")} testId="dashboard-chart-replies" footer={legend}>
      {(width) =>
        total === 0 ? (
          <p className="list-note dash-chart-note">{t("dashboard.chart.noReplies")}</p>
        ) : (
          <PieChart width={width} height={170}>
            <Pie
              data={data}
              dataKey="value"
              nameKey="name"
              innerRadius={48}
              outerRadius={78}
              paddingAngle={1.5}
              stroke="var(--surface)"
              isAnimationActive={false}
            >
              {data.map((s) => (
                <Cell key={s.key} fill={REPLY_COLOURS[s.key]} />
              ))}
            </Pie>
            <Tooltip {...TOOLTIP} />
          </PieChart>
        )
      }
    </ChartCard>
  );
}

/** Conversations waiting for an answer now, by how long they have waited. */
export function WaitingChart({ dashboard }: { dashboard: Dashboard }) {
  const { t } = useTranslation();
  const data = dashboard.waiting.map((w) => ({ ...w, label: t(`dashboard.band.${w.band}`) }));
  const total = data.reduce((a, w) => a + w.conversations, 0);
  return (
    <ChartCard title={t("dashboard.chart.waiting")} testId="dashboard-chart-waiting">
      {(width) =>
        total === 0 ? (
          <p className="list-note dash-chart-note">{t("dashboard.chart.noWaiting")}</p>
        ) : (
          <BarChart width={width} height={HEIGHT} data={data} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
            <CartesianGrid vertical={false} stroke="var(--border)" />
            <XAxis dataKey="label" tick={AXIS_TICK} tickLine={false} axisLine={{ stroke: "var(--border-strong)" }} interval={0} />
            <YAxis allowDecimals={false} tick={AXIS_TICK} tickLine={false} axisLine={false} />
            <Tooltip {...TOOLTIP} />
            <Bar
              dataKey="conversations"
              name={t("dashboard.chart.conversations")}
              fill="var(--st-awaiting)"
              radius={[3, 3, 0, 0]}
              maxBarSize={36}
              isAnimationActive={false}
            />
          </BarChart>
        )
      }
    </ChartCard>
  );
}

/** Each person's replies and how quickly they answered; only when someone replied. */
export function PeopleTable({ dashboard }: { dashboard: Dashboard }) {
  const { t, i18n } = useTranslation();
  if (dashboard.people.length === 0) return null;
  return (
    <section className="card dash-people" data-testid="dashboard-people" aria-labelledby="dashboard-people-title">
      <h2 className="dash-chart-title" id="dashboard-people-title">
        {t("dashboard.people.title")}
      </h2>
      <table className="dash-table">
        <thead>
          <tr>
            <th scope="col">{t("dashboard.people.name")}</th>
            <th scope="col" className="is-number">
              {t("dashboard.people.replies")}
            </th>
            <th scope="col" className="is-number">
              {t("dashboard.people.median")}
            </th>
          </tr>
        </thead>
        <tbody>
          {dashboard.people.map((p) => (
            <tr key={p.personId} data-testid="dashboard-person">
              <td>{p.name}</td>
              <td className="is-number">{p.replies.toLocaleString(i18n.language)}</td>
              <td className="is-number">{formatDuration(p.medianResponseMs, t)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
