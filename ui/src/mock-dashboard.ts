// The Dashboard of the in-memory engine: figures made up from a seeded
// random walk, the same for the same day, project and channel, so the
// browser preview and the screenshots look like a real shop (busier on
// weekdays and in business hours, a few people answering) and tests read
// stable numbers. With `seed: false` every figure is zero.
import type { ApiError, ChannelKind, Dashboard, DashboardQuery, DayFigures, Period, PersonFigures, Result, Waiting } from "./api";
import { AGE_BANDS, dateInputValue } from "./dashboard";
import { DAY, HOUR, MINUTE } from "./mock-seed";
import { ok, type MockCore } from "./mock-shared";

/** How much of the shop's traffic each kind of channel carries. */
const CHANNEL_SHARE: Record<ChannelKind, number> = {
  avito: 0.36,
  telegram_bot: 0.24,
  whatsapp: 0.2,
  email: 0.12,
  telegram_account: 0.05,
  custom: 0.01,
  simulator: 0.02,
};

/** A small, fast seeded random number generator (mulberry32). */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** How busy an hour of a weekday (0: Monday) is: business hours, quieter weekends. */
function hourWeight(weekday: number, hour: number): number {
  const weekend = weekday >= 5;
  const peak = (center: number, width: number) => Math.exp(-((hour - center) ** 2) / (2 * width * width));
  const day = weekend ? 0.55 * peak(14, 3.2) : peak(11, 1.8) + 0.85 * peak(15.5, 2.2);
  const evening = 0.25 * peak(20.5, 1.4);
  const night = hour < 7 ? 0.015 : 0;
  return day + evening + night;
}

/** The local days a period covers, as midnights. */
function localDays(period: Period): number[] {
  const days: number[] = [];
  const d = new Date(period.from);
  d.setHours(0, 0, 0, 0);
  while (d.getTime() < period.to && days.length < 400) {
    days.push(d.getTime());
    d.setDate(d.getDate() + 1);
  }
  return days;
}

/** Monday first, as the engine counts weekdays. */
const weekdayOf = (ts: number) => (new Date(ts).getDay() + 6) % 7;

export function createMockDashboard(core: MockCore, options: { seed: boolean }) {
  const ru = core.locale === "ru";
  const PEOPLE = ru ? ["Ольга", "Олег", "Марина"] : ["Olga", "Oleg", "Marina"];

  function scale(query: DashboardQuery): number {
    let share = 1;
    if (query.projectId != null) share *= 0.35 + (hash(`p${query.projectId}`) % 40) / 100;
    if (query.channel != null) share *= CHANNEL_SHARE[query.channel];
    return share;
  }

  function build(query: DashboardQuery): Dashboard {
    const now = core.now();
    const share = options.seed ? scale(query) : 0;
    const filter = `${query.projectId ?? "all"}/${query.channel ?? "all"}`;
    const busiestHours = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
    const days: DayFigures[] = localDays(query.period).map((midnight) => {
      const day = dateInputValue(midnight);
      const rnd = random(hash(`${day}/${filter}`));
      const weekday = weekdayOf(midnight);
      // Today counts only the hours gone by; days still to come count nothing.
      const gone = Math.min(1, Math.max(0, (now - midnight) / DAY));
      const base = (weekday >= 5 ? 7 : 16) * (0.7 + 0.6 * rnd()) * share * gone;
      const newConversations = Math.round(base);
      const messagesIn = Math.round(base * (3 + rnd()));
      const messagesOut = Math.round(base * (2.6 + rnd()));
      // The customers' messages of the day by hour.
      const weights = Array.from({ length: 24 }, (_, h) => hourWeight(weekday, h) * (0.75 + 0.5 * rnd()));
      const total = weights.reduce((a, b) => a + b, 0);
      weights.forEach((w, h) => (busiestHours[weekday][h] += Math.round((messagesIn * w) / total)));
      return { day, newConversations, messagesIn, messagesOut };
    });

    const rnd = random(hash(`${days[0]?.day}/${days.at(-1)?.day}/${filter}`));
    const sum = (pick: (d: DayFigures) => number) => days.reduce((a, d) => a + pick(d), 0);
    const newConversations = sum((d) => d.newConversations);
    const out = sum((d) => d.messagesOut);
    const answered = Math.round(newConversations * (0.9 + 0.07 * rnd()));
    const repliesByAssistant = Math.round(out * 0.34);
    const repliesByAutoReply = Math.round(out * 0.14);
    const repliesByPeople = out - repliesByAssistant - repliesByAutoReply;
    const some = newConversations > 0;
    const resolved = Math.round(newConversations * (0.72 + 0.1 * rnd()));

    const weights = [0.46, 0.33, 0.21];
    const people: PersonFigures[] =
      repliesByPeople > 0
        ? PEOPLE.map((name, i) => ({
            personId: i + 1,
            name,
            replies: Math.round(repliesByPeople * weights[i]),
            medianResponseMs: Math.round((4 + 5 * i + 6 * rnd()) * MINUTE),
          }))
        : [];

    const counts = options.seed ? [3, 2, 2, 1, 1].map((n) => Math.round(n * Math.min(1, share * 1.6))) : [0, 0, 0, 0, 0];
    const waiting: Waiting[] = AGE_BANDS.map((band, i) => ({ band, conversations: counts[i] }));

    return {
      query,
      zone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
      figures: {
        period: query.period,
        newConversations,
        answered,
        firstResponseMedianMs: some ? Math.round((5 + 6 * rnd()) * MINUTE) : null,
        firstResponseP90Ms: some ? Math.round((48 + 40 * rnd()) * MINUTE) : null,
        repliesByPeople,
        repliesByAssistant,
        repliesByAutoReply,
      },
      neededAPerson: Math.round(newConversations * (0.34 + 0.1 * rnd())),
      resolved,
      resolutionMedianMs: resolved > 0 ? Math.round((3 + 2 * rnd()) * HOUR) : null,
      resolutionP90Ms: resolved > 0 ? Math.round((30 + 14 * rnd()) * HOUR) : null,
      days,
      waiting,
      people,
      busiestHours,
    };
  }

  const commands = {
    async lastDays(days: number): Promise<Result<Period, ApiError>> {
      const now = core.now();
      const from = new Date(now);
      from.setHours(0, 0, 0, 0);
      from.setDate(from.getDate() - (Math.max(1, Math.floor(days)) - 1));
      return ok({ from: from.getTime(), to: now });
    },

    async dashboard(query: DashboardQuery): Promise<Result<Dashboard, ApiError>> {
      return ok(build(query));
    },

    async exportDashboardCsv(query: DashboardQuery, folder: string | null): Promise<Result<string, ApiError>> {
      const first = dateInputValue(query.period.from);
      const last = dateInputValue(Math.max(query.period.from, query.period.to - 1));
      const dir = folder ?? (ru ? "/home/demo/Загрузки" : "/home/demo/Downloads");
      return ok(`${dir}/tuberry-dashboard-${first}-${last}.csv`);
    },
  };

  return { commands };
}
