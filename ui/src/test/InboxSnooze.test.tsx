import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import i18n from "../i18n";
import { snoozePresets } from "../snooze";
import { freshWindow, renderInbox, rowNames, rowOf, rows, useMock } from "./inbox-fixtures";

/** Local time: the presets are this computer's clock. */
const at = (month: number, day: number, hour: number, minute = 0) => new Date(2025, month, day, hour, minute).getTime();

beforeEach(freshWindow);

afterEach(() => {
  vi.useRealTimers();
});

describe("snooze presets", () => {
  it("are later today, this evening, tomorrow at 9 and next Monday at 9, in local time", () => {
    // Wednesday 15 January 2025, 10:00.
    expect(snoozePresets(at(0, 15, 10))).toEqual([
      { preset: "laterToday", at: at(0, 15, 13) },
      { preset: "thisEvening", at: at(0, 15, 18) },
      { preset: "tomorrow", at: at(0, 16, 9) },
      { preset: "nextWeek", at: at(0, 20, 9) },
    ]);
  });

  it("offer this evening only before 17:00, and the Monday after next on a Monday", () => {
    expect(snoozePresets(at(0, 15, 17, 30)).map((p) => p.preset)).toEqual(["laterToday", "tomorrow", "nextWeek"]);
    // Monday 20 January: next week's Monday is the 27th; on Sunday the 19th it is tomorrow.
    expect(snoozePresets(at(0, 20, 8)).find((p) => p.preset === "nextWeek")?.at).toBe(at(0, 27, 9));
    expect(snoozePresets(at(0, 19, 8)).find((p) => p.preset === "nextWeek")?.at).toBe(at(0, 20, 9));
    // Across the end of the month and the year.
    expect(snoozePresets(at(11, 31, 20)).find((p) => p.preset === "tomorrow")?.at).toBe(new Date(2026, 0, 1, 9).getTime());
  });
});

describe("snoozing a conversation", () => {
  it("snoozes the open conversation until tomorrow 9:00, moves on, and lists it under Snoozed", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(at(0, 15, 10));
    const backend = useMock();
    const snooze = vi.spyOn(backend.commands, "snoozeConversations");
    const user = await renderInbox();
    const maria = Number(rowOf("Maria Sokolova").dataset.conversationId);
    await user.click(rowOf("Maria Sokolova"));
    const thread = await screen.findByTestId("thread");
    await user.click(within(thread).getByTestId("thread-snooze"));
    const menu = screen.getByTestId("thread-snooze-popover");
    expect(within(menu).getAllByTestId("snooze-preset").map((p) => p.dataset.preset)).toEqual([
      "laterToday",
      "thisEvening",
      "tomorrow",
      "nextWeek",
    ]);
    await user.click(within(menu).getByRole("menuitem", { name: /Tomorrow/ }));
    expect(snooze).toHaveBeenCalledWith([maria], at(0, 16, 9));

    // The list moves on to the next conversation; the snoozed one leaves the list.
    await waitFor(() => expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Elena Krylova"));
    await waitFor(() => expect(rowNames()).not.toContain("Maria Sokolova"));
    await waitFor(() => expect(screen.getByTestId("status-filter-snoozed")).toHaveTextContent("Snoozed1"));
    expect(screen.getByTestId("status-filter-all")).toHaveTextContent("All5");

    await user.click(screen.getByTestId("status-filter-snoozed"));
    await waitFor(() => expect(rowNames()).toEqual(["Maria Sokolova"]));
    expect(within(rows()[0]).getByTestId("row-snoozed")).toBeInTheDocument();

    // Open, it says until when, and comes back with Unsnooze.
    await user.click(rows()[0]);
    const note = await screen.findByTestId("snoozed-note");
    expect(note).toHaveTextContent("Snoozed until");
    await user.click(within(note).getByTestId("unsnooze"));
    expect(snooze).toHaveBeenLastCalledWith([maria], null);
    await waitFor(() => expect(screen.queryByTestId("snoozed-note")).not.toBeInTheDocument());
    expect(screen.getByTestId("thread-snooze")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("empty-state")).toHaveAttribute("data-kind", "no-snoozed"));
  });

  it("snoozes until a picked date and time, and refuses one in the past", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(at(0, 15, 10));
    const backend = useMock();
    const snooze = vi.spyOn(backend.commands, "snoozeConversations");
    const user = await renderInbox();
    const elena = Number(rowOf("Elena Krylova").dataset.conversationId);
    await user.click(rowOf("Elena Krylova"));
    const thread = await screen.findByTestId("thread");
    await user.click(within(thread).getByTestId("thread-snooze"));
    await user.click(screen.getByTestId("snooze-pick"));
    const input = screen.getByTestId("snooze-at");
    fireEvent.change(input, { target: { value: "2025-01-14T12:00" } });
    await user.click(screen.getByTestId("snooze-submit"));
    expect(screen.getByTestId("snooze-problem")).toHaveTextContent("Choose a time in the future.");
    expect(snooze).not.toHaveBeenCalled();
    fireEvent.change(input, { target: { value: "2025-02-03T14:30" } });
    await user.click(screen.getByTestId("snooze-submit"));
    expect(snooze).toHaveBeenCalledWith([elena], at(1, 3, 14, 30));
  });

  it("snoozes ticked conversations at once and brings them back from the Snoozed tab", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(at(0, 15, 18, 30));
    const backend = useMock();
    const snooze = vi.spyOn(backend.commands, "snoozeConversations");
    const user = await renderInbox();
    const ids = rows().slice(0, 2).map((r) => Number(r.dataset.conversationId));
    await user.click(within(rows()[0]).getByTestId("row-check"));
    await user.click(within(rows()[1]).getByTestId("row-check"));
    await user.click(screen.getByTestId("bulk-snooze"));
    // After 17:00 there is no "this evening".
    const menu = screen.getByTestId("bulk-snooze-popover");
    expect(within(menu).queryByRole("menuitem", { name: /This evening/ })).not.toBeInTheDocument();
    await user.click(within(menu).getByRole("menuitem", { name: /Next week/ }));
    expect(snooze).toHaveBeenCalledWith(ids, at(0, 20, 9));
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(screen.queryByTestId("bulk-bar")).not.toBeInTheDocument();

    await user.click(screen.getByTestId("status-filter-snoozed"));
    await waitFor(() => expect(rows()).toHaveLength(2));
    await user.click(within(rows()[0]).getByTestId("row-check"));
    await user.click(within(rows()[1]).getByTestId("row-check"));
    await user.click(screen.getByTestId("bulk-snooze"));
    await user.click(screen.getByTestId("snooze-unsnooze"));
    expect(snooze).toHaveBeenLastCalledWith(expect.arrayContaining(ids), null);
    await waitFor(() => expect(rows()).toHaveLength(0));
  });
});

describe("in Russian", () => {
  it("offers the snooze, the order and the bulk bar in Russian", async () => {
    await i18n.changeLanguage("ru");
    useMock({ locale: "ru" });
    const user = await renderInbox();
    expect(screen.getByTestId("status-filter-snoozed")).toHaveTextContent("Отложенные");
    expect(within(screen.getByTestId("sort-select")).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "Сначала новые",
      "Сначала непрочитанные",
      "Дольше всех ждут",
    ]);
    await user.selectOptions(screen.getByTestId("sort-select"), "waiting");
    await waitFor(() => expect(within(rows()[0]).getByTestId("row-waiting")).toHaveTextContent(/^ждёт \d+/));

    await user.click(within(rows()[0]).getByTestId("row-check"));
    await user.keyboard("{Shift>}");
    await user.click(within(rows()[1]).getByTestId("row-check"));
    await user.keyboard("{/Shift}");
    expect(screen.getByTestId("bulk-count")).toHaveTextContent("Выбрано: 2");
    await user.click(screen.getByTestId("bulk-snooze"));
    expect(within(screen.getByTestId("bulk-snooze-popover")).getByRole("menuitem", { name: /Завтра/ })).toBeInTheDocument();
    await user.click(screen.getByTestId("bulk-label"));
    expect(within(screen.getByTestId("bulk-label-popover")).getByText("Опт")).toBeInTheDocument();
  });
});
