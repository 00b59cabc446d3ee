import { beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import i18n from "../i18n";
import { api, type SendTimes } from "../api";
import { formatClock } from "../format";
import type { MockBackend, MockOptions } from "../mock";
import { computerTimeZone, dateTimeInputValue, formatZonedClock } from "../sendLater";
import { freshWindow, openComposer, useMock } from "./inbox-fixtures";

const HOUR = 3_600_000;

/** The engine's clock, moved on by the tests (a customer who writes later). */
let clock = Date.now();

/** The in-memory engine on that clock. */
function useClockMock(options: MockOptions = {}): MockBackend {
  clock = Date.now();
  return useMock({ now: () => clock, ...options });
}

/** The id of a customer's conversation. */
async function conversationOf(name: string) {
  return (await api.listConversations({})).items.find((c) => c.contactName === name)!.id;
}

/** Times at whole hours a few days ahead, in this computer's zone unless told. */
function sendTimes(timeZone = computerTimeZone() ?? "UTC"): SendTimes {
  const at = (days: number, hour: number) => {
    const d = new Date();
    d.setDate(d.getDate() + days);
    d.setHours(hour, 0, 0, 0);
    return d.getTime();
  };
  return {
    timeZone,
    presets: [
      { preset: "in_an_hour", at: Math.floor((Date.now() + HOUR) / 60_000) * 60_000 },
      { preset: "tomorrow_morning", at: at(1, 9) },
      { preset: "monday", at: at(3, 9) },
    ],
  };
}

beforeEach(freshWindow);

describe("send later", () => {
  it("offers the engine's times in the menu and sends with the one chosen", async () => {
    const backend = useClockMock();
    const times = sendTimes();
    backend.answerNext("sendTimes", { status: "ok", data: times });
    const send = vi.spyOn(backend.commands, "sendReply");
    const { user, thread, input, conversationId } = await openComposer("Maria Sokolova");

    expect(screen.getByTestId("composer-later")).toBeDisabled();
    await user.type(input, "I'll call you tomorrow morning.");
    await user.click(screen.getByRole("button", { name: "Send later" }));
    const menu = await screen.findByRole("menu", { name: "Send later" });
    await waitFor(() => expect(within(menu).getAllByTestId("send-later-preset")).toHaveLength(3));
    const labels = within(menu)
      .getAllByTestId("send-later-preset")
      .map((item) => item.textContent);
    const timeOf = (i: number) => formatZonedClock(times.presets[i].at, times.timeZone, "en");
    expect(labels).toEqual([`In an hour, ${timeOf(0)}`, `Tomorrow, ${timeOf(1)}`, `Monday, ${timeOf(2)}`]);
    expect(within(menu).getByTestId("send-later-pick")).toHaveTextContent("Pick a date and time…");
    // The shop keeps this computer's time: no zone named.
    expect(within(menu).queryByTestId("send-later-zone")).not.toBeInTheDocument();

    await user.click(within(menu).getByRole("menuitem", { name: `Tomorrow, ${timeOf(1)}` }));
    expect(send).toHaveBeenCalledWith(conversationId, "I'll call you tomorrow morning.", [], null, times.presets[1].at);
    expect(screen.queryByRole("menu")).not.toBeInTheDocument();

    const scheduled = await within(thread).findByTestId("scheduled-reply");
    expect(scheduled).toHaveTextContent("I'll call you tomorrow morning.");
    expect(scheduled).toHaveAttribute("data-scheduled-at", String(times.presets[1].at));
    expect(within(scheduled).getByTestId("scheduled-when")).toHaveTextContent(
      `Will be sent tomorrow at ${formatClock(times.presets[1].at, "en")}`,
    );
    expect(input).toHaveValue("");
    // It is no sent message, and stays after the conversation's messages.
    expect(
      within(thread)
        .getAllByTestId("message")
        .some((m) => m.textContent?.includes("I'll call you tomorrow morning.")),
    ).toBe(false);
  });

  it("names the shop's time zone when it is not this computer's, and closes with Esc", async () => {
    const backend = useClockMock();
    const zone = computerTimeZone() === "Asia/Vladivostok" ? "America/Lima" : "Asia/Vladivostok";
    backend.answerNext("sendTimes", { status: "ok", data: sendTimes(zone) });
    const { user, input } = await openComposer("Maria Sokolova");
    await user.type(input, "Later");
    await user.click(screen.getByTestId("composer-later"));
    const menu = await screen.findByTestId("send-later-menu");
    expect(await within(menu).findByTestId("send-later-zone")).toHaveTextContent(
      `Times in the shop's time zone, ${zone}`,
    );
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("send-later-menu")).not.toBeInTheDocument();
  });

  it("schedules for a date and time picked, which must be in the future", async () => {
    const backend = useClockMock();
    const send = vi.spyOn(backend.commands, "sendReply");
    const { user, thread, input, conversationId } = await openComposer("Maria Sokolova");
    await user.type(input, "Happy new year!");
    await user.click(screen.getByTestId("composer-later"));
    await user.click(await screen.findByRole("menuitem", { name: "Pick a date and time…" }));
    const at = screen.getByTestId("send-later-at");
    expect(at).toHaveAttribute("type", "datetime-local");

    fireEvent.change(at, { target: { value: dateTimeInputValue(Date.now() - 2 * HOUR) } });
    await user.click(screen.getByRole("button", { name: "Schedule" }));
    expect(await screen.findByTestId("send-later-problem")).toHaveTextContent("Pick a time in the future.");
    expect(send).not.toHaveBeenCalled();

    const later = new Date(Date.now() + 5 * 24 * HOUR);
    later.setHours(10, 30, 0, 0);
    fireEvent.change(at, { target: { value: dateTimeInputValue(later.getTime()) } });
    await user.click(screen.getByRole("button", { name: "Schedule" }));
    expect(send).toHaveBeenCalledWith(conversationId, "Happy new year!", [], null, later.getTime());
    const scheduled = await within(thread).findByTestId("scheduled-reply");
    expect(within(scheduled).getByTestId("scheduled-when")).toHaveTextContent(
      new RegExp(`^Will be sent on .+ at ${formatClock(later.getTime(), "en")}$`),
    );
  });
});

describe("a reply scheduled for later in the thread", () => {
  it("shows its time, changes its text and time, and is cancelled after a confirmation", async () => {
    const backend = useClockMock();
    const edit = vi.spyOn(backend.commands, "editScheduledReply");
    const cancel = vi.spyOn(backend.commands, "cancelScheduledReply");
    const id = await conversationOf("Maria Sokolova");
    const sendAt = clock + 3 * 24 * HOUR;
    const reply = await api.sendReply(id, "Your sofa ships on Monday.", [], null, sendAt);
    expect(reply.scheduledAt).toBe(sendAt);
    const { user, thread } = await openComposer("Maria Sokolova");

    const bubble = within(thread).getByTestId("scheduled-reply");
    expect(bubble).toHaveTextContent("Your sofa ships on Monday.");
    expect(within(bubble).getByTestId("scheduled-when")).toHaveTextContent(
      new RegExp(`^Will be sent on .+ at ${formatClock(sendAt, "en")}$`),
    );
    // After the conversation's messages.
    expect(thread.querySelector(".messages")!.lastElementChild).toBe(bubble);

    await user.click(within(bubble).getByRole("button", { name: "Edit" }));
    const text = within(bubble).getByTestId("scheduled-edit-text");
    expect(text).toHaveValue("Your sofa ships on Monday.");
    await user.clear(text);
    await user.type(text, "Your sofa ships on Tuesday.");
    const next = new Date(sendAt + 24 * HOUR);
    next.setSeconds(0, 0);
    fireEvent.change(within(bubble).getByTestId("scheduled-edit-at"), {
      target: { value: dateTimeInputValue(next.getTime()) },
    });
    await user.click(within(bubble).getByRole("button", { name: "Save" }));
    expect(edit).toHaveBeenCalledWith(reply.id, "Your sofa ships on Tuesday.", next.getTime());
    await waitFor(() => expect(within(thread).getByTestId("scheduled-reply")).toHaveTextContent("Your sofa ships on Tuesday."));
    expect(within(thread).getByTestId("scheduled-reply")).toHaveAttribute("data-scheduled-at", String(next.getTime()));

    await user.click(within(thread).getByRole("button", { name: "Cancel…" }));
    const confirm = within(thread).getByTestId("scheduled-confirm");
    expect(confirm).toHaveTextContent("Cancel this scheduled reply?");
    await user.click(within(confirm).getByRole("button", { name: "Cancel the reply" }));
    expect(cancel).toHaveBeenCalledWith(reply.id);
    await waitFor(() => expect(within(thread).queryByTestId("scheduled-reply")).not.toBeInTheDocument());
  });

  it("goes away when the engine says it was cancelled elsewhere (message_removed)", async () => {
    useClockMock();
    const id = await conversationOf("Maria Sokolova");
    const reply = await api.sendReply(id, "See you soon", [], null, clock + 2 * HOUR);
    const { thread } = await openComposer("Maria Sokolova");
    expect(within(thread).getByTestId("scheduled-reply")).toBeInTheDocument();
    await api.cancelScheduledReply(reply.id);
    await waitFor(() => expect(within(thread).queryByTestId("scheduled-reply")).not.toBeInTheDocument());
  });

  it("warns when the customer wrote after a reply was scheduled: cancel it, or keep it", async () => {
    const backend = useClockMock();
    const cancel = vi.spyOn(backend.commands, "cancelScheduledReply");
    const first = await api.simulateInbound("Anna", "Do you deliver on Sundays?");
    clock += 60_000;
    const sendAt = clock + 20 * 24 * HOUR;
    const reply = await api.sendReply(first.conversationId, "Yes, we do!", [], null, sendAt);
    clock += 60_000;
    const { user, thread } = await openComposer("Anna");
    expect(screen.queryByTestId("scheduled-banner")).not.toBeInTheDocument();

    await api.simulateInbound("Anna", "Never mind, I found another shop.");
    const banner = await screen.findByTestId("scheduled-banner");
    expect(banner).toHaveTextContent(
      new RegExp(`^Anna wrote after you scheduled a reply for .+ at ${formatClock(sendAt, "en")}\\.Cancel`),
    );
    expect(banner.compareDocumentPosition(screen.getByTestId("composer-input"))).toBe(
      Node.DOCUMENT_POSITION_FOLLOWING,
    );

    // Kept: gone until the customer writes again.
    await user.click(within(banner).getByRole("button", { name: "Keep it" }));
    expect(screen.queryByTestId("scheduled-banner")).not.toBeInTheDocument();
    clock += 60_000;
    await api.simulateInbound("Anna", "Actually, cancel everything.");
    const again = await screen.findByTestId("scheduled-banner");

    await user.click(within(again).getByRole("button", { name: "Cancel the scheduled reply" }));
    expect(cancel).toHaveBeenCalledWith(reply.id);
    await waitFor(() => expect(screen.queryByTestId("scheduled-banner")).not.toBeInTheDocument());
    expect(within(thread).queryByTestId("scheduled-reply")).not.toBeInTheDocument();
  });

  it("speaks Russian", async () => {
    await i18n.changeLanguage("ru");
    const backend = useClockMock({ locale: "ru" });
    const first = await api.simulateInbound("Анна", "Доставляете по воскресеньям?");
    clock += 60_000;
    const tomorrow = new Date(clock + 24 * HOUR);
    tomorrow.setHours(9, 0, 0, 0);
    await api.sendReply(first.conversationId, "Да, доставляем!", [], null, tomorrow.getTime());
    clock += 60_000;
    await api.simulateInbound("Анна", "Уже не нужно.");
    const times = sendTimes();
    backend.answerNext("sendTimes", { status: "ok", data: times });
    const { user, thread, input } = await openComposer("Анна");

    expect(within(within(thread).getByTestId("scheduled-reply")).getByTestId("scheduled-when")).toHaveTextContent(
      `Будет отправлено завтра в ${formatClock(tomorrow.getTime(), "ru")}`,
    );
    const banner = await screen.findByTestId("scheduled-banner");
    expect(banner).toHaveTextContent(
      `Анна написал(а) после того, как вы запланировали ответ на завтра в ${formatClock(tomorrow.getTime(), "ru")}.`,
    );
    expect(within(banner).getByRole("button", { name: "Отменить запланированный ответ" })).toBeInTheDocument();
    expect(within(banner).getByRole("button", { name: "Оставить" })).toBeInTheDocument();

    await user.type(input, "Хорошо");
    await user.click(screen.getByRole("button", { name: "Отправить позже" }));
    const menu = await screen.findByRole("menu", { name: "Отправить позже" });
    await waitFor(() => expect(within(menu).getAllByTestId("send-later-preset")[1]).toHaveTextContent(
        `Завтра, ${formatZonedClock(times.presets[1].at, times.timeZone, "ru")}`,
      ),
    );
    expect(within(menu).getByTestId("send-later-pick")).toHaveTextContent("Выбрать дату и время…");
  });
});
