import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend, type Dashboard, type DashboardQuery } from "../api";
import { createMockBackend, type MockBackend, type MockOptions } from "../mock";
import { customPeriod, formatDuration, heatLevel } from "../dashboard";
import App from "../App";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function useMock(options: MockOptions = {}): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50, ...options });
  setBackend(backend);
  return backend;
}

/** A Dashboard with figures easy to check. */
function fixture(query: DashboardQuery, changes: Partial<Dashboard> = {}): Dashboard {
  const busiestHours = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  busiestHours[2][14] = 37;
  busiestHours[0][10] = 12;
  return {
    query,
    zone: "Europe/Moscow",
    figures: {
      period: query.period,
      newConversations: 120,
      answered: 108,
      firstResponseMedianMs: 12 * MINUTE,
      firstResponseP90Ms: 2 * HOUR + 5 * MINUTE,
      repliesByPeople: 60,
      repliesByAssistant: 30,
      repliesByAutoReply: 10,
    },
    neededAPerson: 30,
    resolved: 40,
    resolutionMedianMs: 3 * HOUR,
    resolutionP90Ms: 28 * HOUR,
    days: [
      { day: "2025-03-03", newConversations: 70, messagesIn: 200, messagesOut: 180 },
      { day: "2025-03-04", newConversations: 50, messagesIn: 150, messagesOut: 120 },
    ],
    waiting: [
      { band: "under_quarter_hour", conversations: 2 },
      { band: "under_hour", conversations: 1 },
      { band: "under_four_hours", conversations: 0 },
      { band: "under_day", conversations: 0 },
      { band: "over_day", conversations: 1 },
    ],
    people: [
      { personId: 1, name: "Olga", replies: 41, medianResponseMs: 7 * MINUTE },
      { personId: 2, name: "Oleg", replies: 19, medianResponseMs: null },
    ],
    busiestHours,
    ...changes,
  };
}

/** Answers every Dashboard with the fixture (changed as given). */
function scriptDashboard(changes: Partial<Dashboard> = {}) {
  return vi.spyOn(api, "dashboard").mockImplementation(async (query) => fixture(query, changes));
}

async function openDashboard(user: ReturnType<typeof userEvent.setup>) {
  render(<App />);
  await user.click(screen.getByTestId("nav-dashboard"));
  await screen.findByTestId("dashboard-cards");
}

const card = (id: string) => screen.getByTestId(`dashboard-card-${id}`);
const value = (id: string) => within(card(id)).getByTestId("dashboard-card-value");
const lastQuery = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.at(-1)![0] as DashboardQuery;

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Dashboard", () => {
  it("shows the figures in cards, durations in words", async () => {
    useMock();
    scriptDashboard();
    const user = userEvent.setup();
    await openDashboard(user);
    expect(value("new")).toHaveTextContent("120");
    expect(value("answered")).toHaveTextContent("108");
    expect(card("answered")).toHaveTextContent("90% of new conversations");
    expect(value("first-response")).toHaveTextContent("12 min");
    expect(card("first-response")).toHaveTextContent("90% within 2 h 5 min");
    expect(value("resolution")).toHaveTextContent("3 h");
    expect(card("resolution")).toHaveTextContent("90% within 1 d 4 h");
    expect(card("resolution")).toHaveTextContent("Resolved: 40");
    expect(value("needed")).toHaveTextContent("30");
    expect(card("needed")).toHaveTextContent("25% of new conversations");
    // The charts are drawn, each in a card found by its name.
    for (const id of ["new", "messages", "replies", "waiting"]) {
      const chart = screen.getByTestId(`dashboard-chart-${id}`);
      await waitFor(() => expect(chart.querySelector("svg.recharts-surface")).not.toBeNull());
    }
    expect(screen.getByRole("figure", { name: "New conversations per day" })).toBeInTheDocument();
    expect(screen.getByTestId("dashboard-replies-people")).toHaveTextContent("People60 · 60%");
    expect(screen.getByTestId("dashboard-replies-autoReply")).toHaveTextContent("Auto-reply10 · 10%");
  });

  it("asks for the chosen period: presets through lastDays, custom dates as local midnights", async () => {
    useMock();
    const lastDays = vi.spyOn(api, "lastDays");
    const dashboard = vi.spyOn(api, "dashboard");
    const user = userEvent.setup();
    await openDashboard(user);
    // 7 days at first.
    expect(lastDays).toHaveBeenLastCalledWith(7);
    expect(screen.getByTestId("dashboard-period-week")).toHaveAttribute("aria-pressed", "true");

    await user.click(screen.getByTestId("dashboard-period-month"));
    await waitFor(() => expect(lastDays).toHaveBeenLastCalledWith(30));
    const month = await lastDays.mock.results.at(-1)!.value;
    await waitFor(() => expect(lastQuery(dashboard).period).toEqual(month));

    await user.click(screen.getByTestId("dashboard-period-today"));
    await waitFor(() => expect(lastDays).toHaveBeenLastCalledWith(1));
    const today = await lastDays.mock.results.at(-1)!.value;
    await waitFor(() => expect(lastQuery(dashboard).period).toEqual(today));

    await user.click(screen.getByTestId("dashboard-period-custom"));
    fireEvent.change(screen.getByTestId("dashboard-from"), { target: { value: "2025-03-03" } });
    fireEvent.change(screen.getByTestId("dashboard-to"), { target: { value: "2025-03-05" } });
    // To is exclusive: the midnight after the last chosen day.
    const expected = { from: new Date(2025, 2, 3).getTime(), to: new Date(2025, 2, 6).getTime() };
    await waitFor(() => expect(lastQuery(dashboard).period).toEqual(expected));
    expect(await screen.findByTestId("dashboard-chart-new")).toBeInTheDocument();

    // A first day after the last is refused in words, and nothing is asked.
    const calls = dashboard.mock.calls.length;
    fireEvent.change(screen.getByTestId("dashboard-from"), { target: { value: "2025-03-09" } });
    expect(screen.getByTestId("dashboard-bad-dates")).toHaveTextContent("the first cannot be after the last");
    expect(dashboard.mock.calls.length).toBe(calls);
  });

  it("passes the project and the channel in the query", async () => {
    useMock();
    const project = await api.createProject({ name: "Furniture", language: "en" });
    const dashboard = vi.spyOn(api, "dashboard");
    const user = userEvent.setup();
    await openDashboard(user);
    expect(lastQuery(dashboard)).toMatchObject({ projectId: null, channel: null });

    const projects = screen.getByTestId("dashboard-project");
    await waitFor(() => expect(within(projects).getByRole("option", { name: project.name })).toBeInTheDocument());
    await user.selectOptions(projects, String(project.id));
    await waitFor(() => expect(lastQuery(dashboard)).toMatchObject({ projectId: project.id, channel: null }));

    const channels = screen.getByTestId("dashboard-channel");
    expect(within(channels).getByRole("option", { name: "Avito" })).toBeInTheDocument();
    await user.selectOptions(channels, "avito");
    await waitFor(() => expect(lastQuery(dashboard)).toMatchObject({ projectId: project.id, channel: "avito" }));

    await user.selectOptions(projects, "");
    await waitFor(() => expect(lastQuery(dashboard)).toMatchObject({ projectId: null, channel: "avito" }));
  });

  it("exports the shown dashboard as CSV and says where it was saved", async () => {
    useMock();
    const exportCsv = vi.spyOn(api, "exportDashboardCsv");
    const dashboard = vi.spyOn(api, "dashboard");
    const user = userEvent.setup();
    await openDashboard(user);
    await user.selectOptions(screen.getByTestId("dashboard-channel"), "email");
    await waitFor(() => expect(lastQuery(dashboard).channel).toBe("email"));

    await user.click(screen.getByTestId("dashboard-export"));
    expect(exportCsv).toHaveBeenCalledWith(lastQuery(dashboard), null);
    const path = await exportCsv.mock.results[0].value;
    expect(path).toMatch(/^\/home\/demo\/Downloads\/tuberry-dashboard-.*\.csv$/);
    expect(await screen.findByTestId("dashboard-saved")).toHaveTextContent(`Saved to ${path}`);
  });

  it("shows a refused export the app's usual way", async () => {
    const backend = useMock();
    backend.failNext("exportDashboardCsv", { code: "unavailable", message: "disk full" });
    const user = userEvent.setup();
    await openDashboard(user);
    await user.click(screen.getByTestId("dashboard-export"));
    expect(await screen.findByTestId("dashboard-export-error")).toBeInTheDocument();
    expect(screen.queryByTestId("dashboard-saved")).not.toBeInTheDocument();
  });

  it("draws the busiest hours as 7 × 24 cells, each with its count in its label", async () => {
    useMock();
    scriptDashboard();
    const user = userEvent.setup();
    await openDashboard(user);
    const map = screen.getByTestId("dashboard-heatmap");
    expect(within(map).getAllByTestId("dashboard-heat-row")).toHaveLength(7);
    const cells = within(map).getAllByTestId("dashboard-heat-cell");
    expect(cells).toHaveLength(7 * 24);
    const busiest = cells.find((c) => c.dataset.day === "2" && c.dataset.hour === "14")!;
    expect(busiest).toHaveAttribute("aria-label", "Wednesday, 14:00–15:00: 37 messages");
    expect(busiest).toHaveAttribute("title", "Wednesday, 14:00–15:00: 37 messages");
    expect((busiest.firstChild as HTMLElement).style.opacity).toBe("1");
    const quiet = cells.find((c) => c.dataset.day === "6" && c.dataset.hour === "3")!;
    expect(quiet).toHaveAttribute("aria-label", "Sunday, 03:00–04:00: 0 messages");
    expect((quiet.firstChild as HTMLElement).style.opacity).toBe("0");
    expect(within(map).getByText("Mo")).toBeInTheDocument();
    expect(map).toHaveTextContent("Europe/Moscow");
  });

  it("lists each person's replies, and hides the table when nobody replied", async () => {
    useMock();
    const spy = scriptDashboard();
    const user = userEvent.setup();
    await openDashboard(user);
    const rows = within(screen.getByTestId("dashboard-people")).getAllByTestId("dashboard-person");
    expect(rows.map((r) => r.textContent)).toEqual(["Olga417 min", "Oleg19—"]);

    spy.mockImplementation(async (query) => fixture(query, { people: [] }));
    await user.click(screen.getByTestId("dashboard-period-month"));
    await waitFor(() => expect(screen.queryByTestId("dashboard-people")).not.toBeInTheDocument());
    expect(screen.getByTestId("dashboard-cards")).toBeInTheDocument();
  });

  it("says so when the period has no conversations", async () => {
    useMock({ seed: false });
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByTestId("nav-dashboard"));
    expect(await screen.findByTestId("dashboard-empty")).toHaveTextContent("No conversations in this period");
    expect(screen.queryByTestId("dashboard-cards")).not.toBeInTheDocument();
    expect(screen.queryByTestId("dashboard-heatmap")).not.toBeInTheDocument();
  });

  it("shows a refused load the app's usual way", async () => {
    const backend = useMock();
    backend.failNext("dashboard", { code: "internal", message: "database is locked" });
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByTestId("nav-dashboard"));
    expect(await screen.findByTestId("dashboard-load-error")).toHaveTextContent(i18n.t("errors.internal"));
    // Reading again works.
    await user.click(screen.getByTestId("dashboard-refresh"));
    expect(await screen.findByTestId("dashboard-cards")).toBeInTheDocument();
    expect(screen.queryByTestId("dashboard-load-error")).not.toBeInTheDocument();
  });

  it("speaks Russian", async () => {
    useMock({ locale: "ru" });
    await i18n.changeLanguage("ru");
    scriptDashboard();
    const user = userEvent.setup();
    await openDashboard(user);
    expect(screen.getByTestId("nav-dashboard")).toHaveTextContent("Сводка");
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Сводка");
    expect(screen.getByTestId("dashboard-period-month")).toHaveTextContent("30 дней");
    expect(card("new")).toHaveTextContent("Новые обращения");
    expect(value("first-response")).toHaveTextContent("12 мин");
    expect(card("resolution")).toHaveTextContent("90% — не дольше 1 д 4 ч");
    expect(screen.getByTestId("dashboard-export")).toHaveTextContent("Экспорт в CSV");
    expect(within(screen.getByTestId("dashboard-channel")).getByRole("option", { name: "Все каналы" })).toBeInTheDocument();
    const cell = screen.getAllByTestId("dashboard-heat-cell").find((c) => c.dataset.day === "0" && c.dataset.hour === "10")!;
    expect(cell).toHaveAttribute("aria-label", "Понедельник, 10:00–11:00 — сообщений: 12");
    expect(screen.getByTestId("dashboard-people")).toHaveTextContent("Ответы по сотрудникам");
  });
});

describe("Dashboard helpers", () => {
  it("make a custom period from local midnights, `to` exclusive", () => {
    expect(customPeriod("2025-03-03", "2025-03-03")).toEqual({
      from: new Date(2025, 2, 3).getTime(),
      to: new Date(2025, 2, 4).getTime(),
    });
    expect(customPeriod("2025-03-05", "2025-03-03")).toBeNull();
    expect(customPeriod("", "2025-03-03")).toBeNull();
  });

  it("say durations in words", () => {
    const t = i18n.t.bind(i18n);
    expect(formatDuration(null, t)).toBe("—");
    expect(formatDuration(42_000, t)).toBe("42 s");
    expect(formatDuration(12 * MINUTE, t)).toBe("12 min");
    expect(formatDuration(2 * HOUR, t)).toBe("2 h");
    expect(formatDuration(2 * HOUR + 5 * MINUTE, t)).toBe("2 h 5 min");
    expect(formatDuration(48 * HOUR, t)).toBe("2 d");
    expect(formatDuration(52 * HOUR, t)).toBe("2 d 4 h");
  });

  it("shade heat map cells from blank to full", () => {
    expect(heatLevel(0, 10)).toBe(0);
    expect(heatLevel(10, 10)).toBe(1);
    expect(heatLevel(1, 10)).toBeGreaterThan(0.1);
  });
});
