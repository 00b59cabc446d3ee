import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, type Message } from "../api";
import { formatClock, formatFull } from "../format";
import { newMessage } from "../mock-shared";
import { ConversationRow } from "../components/ConversationRow";
import { MessageBubble } from "../components/MessageBubble";
import App from "../App";
import { freshWindow, openConversation, rowOf, useMock } from "./inbox-fixtures";

/** The thread's message that says `text`. */
const messageSaying = (thread: HTMLElement, text: string) =>
  within(thread)
    .getAllByTestId("message")
    .find((m) => within(m).getByTestId("message-text").textContent === text)!;

const IGOR_REPLY = "Delivery to Kazan is 890 ₽ and takes 3–5 working days. Shall I place the order?";

const reply = (change: Partial<Message>): Message => ({
  id: 7,
  conversationId: 1,
  ...newMessage({
    direction: "out",
    authorKind: "manager",
    authorName: "Olga",
    text: "See you at seven.",
    delivery: "sent",
    createdAt: Date.now() - 60_000,
    sentAt: Date.now() - 60_000,
  }),
  ...change,
});

beforeEach(freshWindow);

describe("editing a sent reply", () => {
  it("changes the text through editReply, marks it edited and shows the original on asking", async () => {
    const backend = useMock();
    const edit = vi.spyOn(backend.commands, "editReply");
    const { user, thread } = await openConversation("Igor Petrov");
    const bubble = messageSaying(thread, IGOR_REPLY);
    expect(within(bubble).queryByTestId("message-edited")).not.toBeInTheDocument();

    await user.click(within(bubble).getByRole("button", { name: "Edit" }));
    const field = within(bubble).getByRole("textbox", { name: "Reply text" });
    expect(field).toHaveValue(IGOR_REPLY);
    expect(field).toHaveFocus();
    // Already delivered: the customer's copy changes too where the channel can.
    expect(bubble).toHaveTextContent("the customer’s copy changes too");
    await user.clear(field);
    await user.type(field, "Delivery to Kazan is 790 ₽ this week.");
    await user.click(within(bubble).getByRole("button", { name: "Save" }));

    expect(edit).toHaveBeenCalledWith(Number(bubble.dataset.messageId), "Delivery to Kazan is 790 ₽ this week.");
    const changed = await waitFor(() => messageSaying(thread, "Delivery to Kazan is 790 ₽ this week."));
    expect(within(changed).queryByRole("textbox")).not.toBeInTheDocument();
    const mark = within(changed).getByTestId("message-edited");
    expect(mark).toHaveTextContent("edited");
    expect(within(changed).queryByTestId("message-original")).not.toBeInTheDocument();

    await user.click(within(changed).getByRole("button", { name: "edited — show the original text" }));
    expect(within(changed).getByTestId("message-original")).toHaveTextContent(IGOR_REPLY);
    expect(mark).toHaveAttribute("aria-expanded", "true");
    await user.click(within(changed).getByRole("button", { name: "edited — hide the original text" }));
    expect(within(changed).queryByTestId("message-original")).not.toBeInTheDocument();
    // Telegram changes it at the customer's side: no warning.
    expect(within(changed).queryByTestId("message-edit-error")).not.toBeInTheDocument();
  });

  it("saves with Ctrl+Enter and leaves the text as it was with Escape", async () => {
    const backend = useMock();
    const edit = vi.spyOn(backend.commands, "editReply");
    const { user, thread } = await openConversation("Igor Petrov");
    let bubble = messageSaying(thread, IGOR_REPLY);

    await user.click(within(bubble).getByTestId("message-edit"));
    await user.type(within(bubble).getByRole("textbox"), " Not this.");
    await user.keyboard("{Escape}");
    expect(within(bubble).queryByRole("textbox")).not.toBeInTheDocument();
    expect(within(bubble).getByTestId("message-text")).toHaveTextContent(IGOR_REPLY);
    expect(edit).not.toHaveBeenCalled();

    await user.click(within(bubble).getByTestId("message-edit"));
    const field = within(bubble).getByRole("textbox");
    await user.clear(field);
    await user.type(field, "Shall I book it?");
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(edit).toHaveBeenCalledWith(Number(bubble.dataset.messageId), "Shall I book it?");
    bubble = await waitFor(() => messageSaying(thread, "Shall I book it?"));
    expect(within(bubble).getByTestId("message-edited")).toBeInTheDocument();
  });

  it("shows the engine's refusal and keeps the text being edited", async () => {
    const backend = useMock();
    backend.failNext("editReply", { code: "invalid_input", message: "the reply is longer than 4096 characters" });
    const { user, thread } = await openConversation("Igor Petrov");
    const bubble = messageSaying(thread, IGOR_REPLY);
    await user.click(within(bubble).getByTestId("message-edit"));
    const field = within(bubble).getByRole("textbox");
    await user.type(field, " Extra.");
    await user.click(within(bubble).getByRole("button", { name: "Save" }));
    expect(await within(bubble).findByRole("alert")).toHaveTextContent("the reply is longer than 4096 characters");
    expect(field).toHaveValue(`${IGOR_REPLY} Extra.`);
  });

  it("offers no Edit on a customer's message or a deleted reply", () => {
    const { rerender } = render(<MessageBubble message={reply({ direction: "in", authorKind: "customer" })} grouped={false} language="en" />);
    expect(screen.queryByTestId("message-edit")).not.toBeInTheDocument();
    rerender(<MessageBubble message={reply({ deletedAt: Date.now() })} grouped={false} language="en" />);
    expect(screen.queryByTestId("message-edit")).not.toBeInTheDocument();
    rerender(<MessageBubble message={reply({})} grouped={false} language="en" />);
    expect(screen.getByRole("button", { name: "Edit" })).toBeInTheDocument();
  });

  it("says when the customer's channel could not change a sent reply (Avito)", async () => {
    useMock();
    const { user, thread } = await openConversation("Maria Sokolova");
    await user.type(screen.getByTestId("composer-input"), "Yes, come at seven.{Enter}");
    await waitFor(() => expect(messageSaying(thread, "Yes, come at seven.")).toHaveAttribute("data-delivery", "sent"));
    const bubble = messageSaying(thread, "Yes, come at seven.");

    await user.click(within(bubble).getByTestId("message-edit"));
    const field = within(bubble).getByRole("textbox");
    await user.clear(field);
    await user.type(field, "Yes, come at eight.");
    await user.click(within(bubble).getByRole("button", { name: "Save" }));

    const changed = await waitFor(() => messageSaying(thread, "Yes, come at eight."));
    expect(await within(changed).findByTestId("message-edit-error")).toHaveTextContent(
      "Changed here only — the customer still sees the earlier text: Avito cannot change a message once it is sent",
    );
  });
});

describe("the customer's reaction", () => {
  it("is shown on the bubble", () => {
    render(<MessageBubble message={reply({ reaction: "👍" })} grouped={false} language="en" />);
    expect(screen.getByRole("img", { name: "Reaction: 👍" })).toHaveTextContent("👍");
  });
});

describe("a reply scheduled for later, in the list", () => {
  it("shows a clock and the time on the conversation's row", async () => {
    useMock();
    const at = new Date();
    at.setHours(at.getHours() + 1, 30, 0, 0);
    const id = (await api.listConversations({})).items.find((c) => c.contactName === "Igor Petrov")!.id;
    await api.sendReply(id, "Your order goes tomorrow.", [], null, at.getTime());
    render(<App />);
    await waitFor(() => expect(rowOf("Igor Petrov")).toBeDefined());
    const mark = await within(rowOf("Igor Petrov")).findByTestId("row-scheduled");
    expect(mark).toHaveAttribute("title", `A reply is scheduled for ${formatFull(at.getTime(), "en")}`);
    expect(mark).toHaveAccessibleName(`A reply is scheduled for ${formatFull(at.getTime(), "en")}`);
    expect(within(rowOf("Maria Sokolova")).queryByTestId("row-scheduled")).not.toBeInTheDocument();
    // Today's: the clock only (a later day names it).
    if (new Date(at).getDate() === new Date().getDate()) expect(mark).toHaveTextContent(formatClock(at.getTime(), "en"));
  });
});

describe("in Russian", () => {
  it("warns that the customer still sees the earlier text, and names the scheduled reply", async () => {
    await i18n.changeLanguage("ru");
    render(
      <MessageBubble
        message={reply({
          text: "Приезжайте в восемь.",
          originalText: "Приезжайте в семь.",
          editedAt: Date.now(),
          editError: "письмо нельзя изменить после отправки",
        })}
        grouped={false}
        language="ru"
      />,
    );
    expect(screen.getByTestId("message-edit-error")).toHaveTextContent(
      "Изменено только здесь — у клиента осталось как было: письмо нельзя изменить после отправки",
    );
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "изменено — показать исходный текст" }));
    expect(screen.getByTestId("message-original")).toHaveTextContent("Приезжайте в семь.");
    expect(screen.getByRole("button", { name: "Изменить" })).toBeInTheDocument();
  });

  it("names when the scheduled reply goes on the row", async () => {
    await i18n.changeLanguage("ru");
    const at = new Date();
    at.setDate(at.getDate() + 1);
    at.setHours(9, 0, 0, 0);
    const now = Date.now();
    render(
      <ConversationRow
        conversation={{
          id: 1,
          projectId: null,
          channelAccountId: 2,
          channelKind: "telegram_bot",
          channelName: "@tuberry_shop_bot",
          contactId: 1,
          contactName: "Игорь Петров",
          subject: null,
          status: "awaiting_response",
          lastMessageAt: now,
          lastMessagePreview: "Сколько стоит доставка?",
          lastMessageDirection: "in",
          unreadCount: 0,
          createdAt: now,
          assigneeId: null,
          assigneeName: null,
          labelIds: [],
          snoozedUntil: null,
          nextScheduledAt: at.getTime(),
        }}
        selected={false}
        onSelect={() => undefined}
        time="12:00"
        fullTime=""
        language="ru"
      />,
    );
    const mark = screen.getByTestId("row-scheduled");
    expect(mark).toHaveAccessibleName(`Ответ запланирован на ${formatFull(at.getTime(), "ru")}`);
    expect(mark).toHaveTextContent(formatClock(at.getTime(), "ru"));
  });
});
