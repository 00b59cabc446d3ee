import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { setBackend } from "../api";
import { createMockBackend, type MockBackend, type MockOptions } from "../mock";
import App from "../App";

function useMock(options: MockOptions = {}): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 120, ...options });
  setBackend(backend);
  return backend;
}

const rows = () => screen.queryAllByTestId("conversation-row");
const rowNames = () => rows().map((r) => r.querySelector(".row-name")?.textContent);

async function renderWithRows(expected = 6) {
  const user = userEvent.setup();
  render(<App />);
  await waitFor(() => expect(rows()).toHaveLength(expected));
  return user;
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("conversation list", () => {
  it("renders the conversations from the engine, newest first, with counts", async () => {
    useMock();
    await renderWithRows();
    expect(rowNames()[0]).toBe("Maria Sokolova");
    const maria = rows()[0];
    expect(maria).toHaveAttribute("data-conversation-id");
    expect(within(maria).getByText("Avito")).toBeInTheDocument();
    expect(within(maria).getByText("2")).toHaveClass("unread-badge");
    // Our own last message is prefixed.
    const igor = rows().find((r) => r.textContent?.includes("Igor Petrov"))!;
    expect(within(igor).getByText("You:")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("status-filter-all")).toHaveTextContent("All6"));
    expect(screen.getByTestId("status-filter-needs_human")).toHaveTextContent("1");
  });

  it("filters by status", async () => {
    useMock();
    const user = await renderWithRows();
    await user.click(screen.getByTestId("status-filter-answered_by_assistant"));
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(rows().every((r) => r.getAttribute("data-status") === "answered_by_assistant")).toBe(true);
    expect(screen.getByTestId("status-filter-answered_by_assistant")).toHaveAttribute("aria-pressed", "true");

    await user.click(screen.getByTestId("status-filter-closed"));
    await waitFor(() => expect(rowNames()).toEqual(["Dmitry Orlov"]));

    await user.click(screen.getByTestId("status-filter-all"));
    await waitFor(() => expect(rows()).toHaveLength(6));
  });

  it("filters by channel", async () => {
    useMock();
    const user = await renderWithRows();
    await user.selectOptions(screen.getByTestId("channel-filter"), "avito");
    await waitFor(() => expect(rowNames()).toEqual(["Maria Sokolova", "Sergey K."]));
  });

  it("searches through listConversations with the typed term, debounced", async () => {
    const backend = useMock();
    const spy = vi.spyOn(backend.commands, "listConversations");
    const user = await renderWithRows();
    await user.type(screen.getByTestId("search-input"), "vector");
    await waitFor(() => expect(rowNames()).toEqual(["Vector LLC"]));
    const searches = spy.mock.calls.map(([filter]) => filter.search).filter(Boolean);
    // One request for the whole word, not one per keystroke.
    expect(searches).toEqual(["vector"]);
    expect(spy).toHaveBeenLastCalledWith(expect.objectContaining({ search: "vector", offset: 0 }));
  });

  it("says so when a filter matches nothing, and can reset it", async () => {
    useMock();
    const user = await renderWithRows();
    await user.type(screen.getByTestId("search-input"), "no such customer");
    const empty = await screen.findByTestId("empty-state");
    expect(empty).toHaveTextContent("Nothing matches");
    expect(empty).toHaveAttribute("data-kind", "no-results");
    await user.click(within(empty).getByRole("button", { name: "Reset filters" }));
    await waitFor(() => expect(rows()).toHaveLength(6));
    expect(screen.queryByTestId("empty-state")).not.toBeInTheDocument();
  });

  it("shows what to do next when there are no conversations at all", async () => {
    useMock({ seed: false });
    const user = userEvent.setup();
    render(<App />);
    const empty = await screen.findByTestId("empty-state");
    expect(empty).toHaveAttribute("data-kind", "no-conversations");
    expect(empty).toHaveTextContent(
      "No conversations yet. Open Test chat to write as a customer, or connect a channel.",
    );
    expect(rows()).toHaveLength(0);
    await user.click(within(empty).getByRole("button", { name: "Open Test chat" }));
    expect(screen.getByTestId("test-chat-panel")).toBeInTheDocument();
  });

  it("moves the selection with the arrow keys", async () => {
    useMock();
    const user = await renderWithRows();
    await user.click(rows()[0]);
    await waitFor(() => expect(screen.getByTestId("thread")).toHaveAttribute("data-conversation-id", rows()[0].dataset.conversationId));
    await user.keyboard("{ArrowDown}");
    await waitFor(() => expect(rows()[1]).toHaveAttribute("aria-selected", "true"));
    await waitFor(() => expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Elena Krylova"));
    await user.keyboard("{ArrowUp}");
    await waitFor(() => expect(rows()[0]).toHaveAttribute("aria-selected", "true"));
  });
});

describe("thread", () => {
  it("opens a conversation, marks it read and shows the contact", async () => {
    const backend = useMock();
    const markRead = vi.spyOn(backend.commands, "markRead");
    const user = await renderWithRows();
    const maria = rows()[0];
    await user.click(maria);
    const thread = await screen.findByTestId("thread");
    expect(within(thread).getAllByTestId("message")).toHaveLength(2);
    expect(within(thread).getAllByTestId("message-text")[0]).toHaveTextContent("Is the sofa still for sale?");
    expect(within(thread).getAllByTestId("message")[0]).toHaveAttribute("data-direction", "in");
    expect(markRead).toHaveBeenCalledWith(Number(maria.dataset.conversationId));
    // The unread badge goes away through the live update.
    await waitFor(() => expect(rows()[0].querySelector(".unread-badge")).toBeNull());
    const contact = screen.getByTestId("contact-panel");
    expect(contact).toHaveTextContent("+7 912 345-67-89");
    expect(contact).toHaveTextContent("248 113 907");
  });

  it("shows delivery state and the reason a message failed", async () => {
    useMock();
    const user = await renderWithRows();
    await user.click(rows().find((r) => r.textContent?.includes("Vector LLC"))!);
    const thread = await screen.findByTestId("thread");
    const failed = within(thread)
      .getAllByTestId("message")
      .find((m) => m.dataset.delivery === "failed")!;
    expect(failed).toHaveAttribute("data-direction", "out");
    expect(failed).toHaveTextContent("Not delivered: Mailbox unavailable (550)");
    expect(failed).toHaveTextContent("invoice-1842.pdf");
    expect(failed).toHaveTextContent("Olga");
  });

  it("sends a reply: a pending bubble that turns sent on message_updated", async () => {
    const backend = useMock();
    const sendReply = vi.spyOn(backend.commands, "sendReply");
    const user = await renderWithRows();
    await user.click(rows()[0]);
    const thread = await screen.findByTestId("thread");
    const input = screen.getByTestId("composer-input");
    const send = screen.getByTestId("composer-send");
    expect(send).toBeDisabled();
    await user.type(input, "Yes, it is! Come at seven.");
    expect(send).toBeEnabled();
    await user.click(send);

    const id = Number(rows()[0].dataset.conversationId);
    expect(sendReply).toHaveBeenCalledWith(id, "Yes, it is! Come at seven.", [], null, null);
    const bubble = () => within(thread).getAllByTestId("message").at(-1)!;
    await waitFor(() => expect(bubble()).toHaveTextContent("Yes, it is! Come at seven."));
    expect(bubble()).toHaveAttribute("data-direction", "out");
    expect(bubble()).toHaveAttribute("data-delivery", "pending");
    expect(input).toHaveValue("");
    await waitFor(() => expect(bubble()).toHaveAttribute("data-delivery", "sent"));
    expect(within(thread).getAllByTestId("message")).toHaveLength(3);
    // The list shows our reply as the last message.
    await waitFor(() => expect(rows()[0]).toHaveTextContent("You: Yes, it is! Come at seven."));
  });

  it("sends with Enter and keeps Shift+Enter for a new line", async () => {
    const backend = useMock();
    const sendReply = vi.spyOn(backend.commands, "sendReply");
    const user = await renderWithRows();
    await user.click(rows()[0]);
    await screen.findByTestId("thread");
    const input = screen.getByTestId("composer-input");
    await user.type(input, "first line{Shift>}{Enter}{/Shift}second line");
    expect(input).toHaveValue("first line\nsecond line");
    expect(sendReply).not.toHaveBeenCalled();
    await user.type(input, "{Enter}");
    expect(sendReply).toHaveBeenCalledWith(expect.any(Number), "first line\nsecond line", [], null, null);
  });

  it("shows a translated error when the engine refuses a reply", async () => {
    const backend = useMock();
    backend.failNext("sendReply", { code: "unavailable", message: "channel offline" });
    const user = await renderWithRows();
    await user.click(rows()[0]);
    await screen.findByTestId("thread");
    await user.type(screen.getByTestId("composer-input"), "Hello");
    await user.click(screen.getByTestId("composer-send"));
    expect(await screen.findByTestId("composer-error")).toHaveTextContent(
      "The service is not reachable right now. Try again in a moment.",
    );
    expect(screen.getByTestId("composer-input")).toHaveValue("Hello");
  });

  it("closes and reopens a conversation", async () => {
    useMock();
    const user = await renderWithRows();
    await user.click(rows()[0]);
    await screen.findByTestId("thread");
    await user.click(screen.getByTestId("status-close"));
    await waitFor(() => expect(screen.getByTestId("status-pill")).toHaveTextContent("Closed"));
    await waitFor(() => expect(rows()[0]).toHaveAttribute("data-status", "closed"));
    await waitFor(() => expect(screen.getByTestId("status-filter-closed")).toHaveTextContent("2"));
    await user.click(screen.getByTestId("status-reopen"));
    await waitFor(() => expect(screen.getByTestId("status-pill")).toHaveTextContent("Awaiting response"));
    expect(screen.getByTestId("status-close")).toBeInTheDocument();
  });

  it("appends a customer's new message to the open thread live", async () => {
    useMock({ seed: false });
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByTestId("test-chat-toggle"));
    await user.type(screen.getByTestId("test-chat-input"), "One{Enter}");
    await waitFor(() => expect(rows()).toHaveLength(1));
    await user.click(rows()[0]);
    const thread = await screen.findByTestId("thread");
    expect(within(thread).getAllByTestId("message")).toHaveLength(1);
    await user.type(screen.getByTestId("test-chat-input"), "Two{Enter}");
    await waitFor(() => expect(within(thread).getAllByTestId("message")).toHaveLength(2));
    expect(within(thread).getAllByTestId("message-text")[1]).toHaveTextContent("Two");
  });
});

describe("e-mail in the thread", () => {
  async function openVector() {
    const user = await renderWithRows();
    await user.click(rows().find((r) => r.textContent?.includes("Vector LLC"))!);
    const thread = await screen.findByTestId("thread");
    const message = within(thread)
      .getAllByTestId("message")
      .find((m) => m.dataset.direction === "in")!;
    return { user, thread, message };
  }

  it("folds the quoted history away until asked", async () => {
    useMock();
    const { user, message } = await openVector();
    expect(within(message).getByTestId("message-text")).toHaveTextContent("Please send the invoice for order #1842.");
    expect(message).not.toHaveTextContent("Your order #1842 is confirmed");
    const toggle = within(message).getByTestId("message-quoted-toggle");
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(toggle).toHaveTextContent("Show quoted text");

    await user.click(toggle);
    const quoted = within(message).getByTestId("message-quoted");
    expect(quoted).toHaveTextContent("Tuberry shop <shop@tuberry.example> wrote:");
    expect(quoted).toHaveTextContent("> Your order #1842 is confirmed");
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    expect(toggle).toHaveTextContent("Hide quoted text");

    await user.click(toggle);
    expect(within(message).queryByTestId("message-quoted")).not.toBeInTheDocument();
    // Messages without quoted text have no toggle.
    expect(screen.getAllByTestId("message-quoted-toggle")).toHaveLength(1);
  });

  it("shows the original HTML in a frame with an empty sandbox", async () => {
    const backend = useMock();
    const messageHtml = vi.spyOn(backend.commands, "messageHtml");
    const { user, message } = await openVector();
    expect(within(message).queryByTestId("message-html")).not.toBeInTheDocument();
    expect(messageHtml).not.toHaveBeenCalled();

    await user.click(within(message).getByTestId("message-html-toggle"));
    expect(messageHtml).toHaveBeenCalledWith(Number(message.dataset.messageId));
    const frame = await within(message).findByTestId("message-html");
    expect(frame.tagName).toBe("IFRAME");
    expect(frame).toHaveAttribute("sandbox", "");
    const doc = frame.getAttribute("srcdoc") ?? "";
    expect(doc).toContain("<b>invoice</b>");
    expect(doc).toContain("Content-Security-Policy");
    expect(within(message).getByTestId("message-html-toggle")).toHaveTextContent("Hide original");

    await user.click(within(message).getByTestId("message-html-toggle"));
    expect(within(message).queryByTestId("message-html")).not.toBeInTheDocument();
    // Read once.
    await user.click(within(message).getByTestId("message-html-toggle"));
    expect(await within(message).findByTestId("message-html")).toBeInTheDocument();
    expect(messageHtml).toHaveBeenCalledTimes(1);
  });

  it("shows stored images inline and saves attachments to Downloads", async () => {
    const backend = useMock();
    const read = vi.spyOn(backend.commands, "readAttachment");
    const save = vi.spyOn(backend.commands, "saveAttachment");
    const { user, message } = await openVector();
    const [image, pdf] = within(message).getAllByTestId("attachment");
    expect(image).toHaveTextContent("order-1842.png");
    expect(image).toHaveTextContent("207 B");
    expect(pdf).toHaveTextContent("company-details.pdf");
    expect(pdf).toHaveTextContent("658 B");

    const picture = await within(image).findByTestId("attachment-image");
    expect(picture.getAttribute("src")).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(picture).toHaveAttribute("alt", "Picture: order-1842.png");
    // Only images are read (content-addressed, so an image read before may come from memory).
    expect(new Set(read.mock.calls.map(([url]) => url)).size).toBeLessThanOrEqual(1);
    expect(within(pdf).queryByTestId("attachment-image")).not.toBeInTheDocument();

    await user.click(within(pdf).getByTestId("attachment-save"));
    expect(save).toHaveBeenCalledWith(expect.stringMatching(/^file:[0-9a-f]{64}$/), "company-details.pdf");
    expect(await within(pdf).findByTestId("attachment-saved")).toHaveTextContent(
      "Saved to /home/demo/Downloads/company-details.pdf",
    );
    // Saving again shows where the engine put the second copy.
    backend.answerNext("saveAttachment", { status: "ok", data: "/home/demo/Downloads/company-details (1).pdf" });
    await user.click(within(pdf).getByTestId("attachment-save"));
    await waitFor(() =>
      expect(within(pdf).getByTestId("attachment-saved")).toHaveTextContent("company-details (1).pdf"),
    );

    // An attachment the engine has no file for is shown by name only.
    const failed = screen.getAllByTestId("message").find((m) => m.dataset.delivery === "failed")!;
    const invoice = within(failed).getByTestId("attachment");
    expect(invoice).toHaveTextContent("invoice-1842.pdf");
    expect(within(invoice).queryByTestId("attachment-save")).not.toBeInTheDocument();
  });
});

describe("attachments in the composer", () => {
  it("uploads chosen files and sends them with the reply (text optional)", async () => {
    const backend = useMock();
    const upload = vi.spyOn(backend.commands, "uploadAttachment");
    const sendReply = vi.spyOn(backend.commands, "sendReply");
    const user = await renderWithRows();
    await user.click(rows()[0]);
    const thread = await screen.findByTestId("thread");
    // Unsent text is kept per conversation while the window is open (an earlier test typed some).
    await user.clear(screen.getByTestId("composer-input"));
    const send = screen.getByTestId("composer-send");
    expect(send).toBeDisabled();

    await user.upload(screen.getByTestId("composer-attach"), [
      new File(["hello"], "photo.png", { type: "image/png" }),
      new File(["%PDF-1.4"], "price.pdf", { type: "application/pdf" }),
    ]);
    await waitFor(() =>
      expect(screen.getAllByTestId("composer-attachment").map((c) => c.dataset.state)).toEqual(["ready", "ready"]),
    );
    expect(upload).toHaveBeenCalledWith("photo.png", "image/png", "aGVsbG8=");
    expect(screen.getAllByTestId("composer-attachment")[0]).toHaveTextContent("photo.png");
    expect(screen.getAllByTestId("composer-attachment")[0]).toHaveTextContent("5 B");

    // A file can be taken back before sending.
    await user.click(within(screen.getAllByTestId("composer-attachment")[1]).getByTestId("composer-attachment-remove"));
    expect(screen.getAllByTestId("composer-attachment")).toHaveLength(1);

    expect(send).toBeEnabled();
    await user.click(send);
    const id = Number(rows()[0].dataset.conversationId);
    expect(sendReply).toHaveBeenCalledWith(
      id,
      "",
      [expect.objectContaining({ name: "photo.png", url: expect.stringMatching(/^file:[0-9a-f]{64}$/) })],
      null,
      null,
    );
    const bubble = () => within(thread).getAllByTestId("message").at(-1)!;
    await waitFor(() => expect(bubble()).toHaveAttribute("data-direction", "out"));
    expect(within(bubble()).getByTestId("attachment")).toHaveTextContent("photo.png");
    expect(screen.queryByTestId("composer-attachment")).not.toBeInTheDocument();
  });

  it("refuses a file over 25 MB without uploading it", async () => {
    const backend = useMock();
    const upload = vi.spyOn(backend.commands, "uploadAttachment");
    const user = await renderWithRows();
    await user.click(rows()[0]);
    await screen.findByTestId("thread");
    await user.clear(screen.getByTestId("composer-input"));
    const big = new File(["x"], "video.mp4", { type: "video/mp4" });
    Object.defineProperty(big, "size", { value: 26 * 1024 * 1024 });
    await user.upload(screen.getByTestId("composer-attach"), big);
    expect(await screen.findByTestId("composer-error")).toHaveTextContent(
      "“video.mp4” is larger than 25 MB and cannot be attached.",
    );
    expect(upload).not.toHaveBeenCalled();
    expect(screen.queryByTestId("composer-attachment")).not.toBeInTheDocument();
    expect(screen.getByTestId("composer-send")).toBeDisabled();
  });
});

describe("live updates", () => {
  it("reloads the list, the counts and the open thread on resync", async () => {
    const backend = useMock();
    const user = await renderWithRows();
    await user.click(rows()[0]);
    await screen.findByTestId("thread");
    const list = vi.spyOn(backend.commands, "listConversations");
    const counts = vi.spyOn(backend.commands, "statusCounts");
    const detail = vi.spyOn(backend.commands, "getConversation");
    backend.emitEvent({ type: "resync" });
    await waitFor(() => expect(detail).toHaveBeenCalledTimes(1));
    await waitFor(() => expect(list).toHaveBeenCalled());
    await waitFor(() => expect(counts).toHaveBeenCalled());
    expect(screen.getByTestId("thread")).toBeInTheDocument();
  });

  it("moves a conversation to the top when a customer writes", async () => {
    useMock();
    const user = await renderWithRows();
    expect(rowNames()[5]).toBe("Dmitry Orlov");
    await user.click(screen.getByTestId("test-chat-toggle"));
    const name = screen.getByTestId("test-chat-customer");
    await user.clear(name);
    await user.type(name, "Dmitry Orlov");
    await user.type(screen.getByTestId("test-chat-input"), "Hi again{Enter}");
    // A simulator customer is a contact of its own, so a new conversation leads the list.
    await waitFor(() => expect(rows()).toHaveLength(7));
    expect(rows()[0]).toHaveTextContent("Hi again");
    expect(within(rows()[0]).getByText("Test")).toHaveClass("badge--simulator");
  });
});

describe("test chat", () => {
  it("writes as a customer: a new conversation appears in the inbox, replies come back", async () => {
    useMock();
    const user = await renderWithRows();
    await user.click(screen.getByTestId("test-chat-toggle"));
    const panel = screen.getByTestId("test-chat-panel");
    expect(panel).toHaveTextContent("Write as a customer to see how messages flow through the inbox");
    const customer = screen.getByTestId("test-chat-customer");
    expect(customer).toHaveValue("Anna");
    await user.clear(customer);
    await user.type(customer, "Boris");
    await user.type(screen.getByTestId("test-chat-input"), "Do you have it in grey?");
    await user.click(screen.getByTestId("test-chat-send"));

    await waitFor(() => expect(rows()).toHaveLength(7));
    const boris = rows()[0];
    expect(boris).toHaveTextContent("Boris");
    expect(boris).toHaveTextContent("Do you have it in grey?");
    expect(boris).toHaveAttribute("data-status", "awaiting_response");
    await waitFor(() => expect(within(panel).getAllByTestId("test-chat-entry")).toHaveLength(1));
    expect(within(panel).getByTestId("test-chat-entry")).toHaveAttribute("data-direction", "in");

    // Answer from the inbox; the customer sees it in the test chat.
    await user.click(boris);
    await screen.findByTestId("thread");
    await user.type(screen.getByTestId("composer-input"), "Yes, we do!{Enter}");
    await waitFor(() => expect(within(panel).getAllByTestId("test-chat-entry")).toHaveLength(2));
    const reply = within(panel).getAllByTestId("test-chat-entry")[1];
    expect(reply).toHaveAttribute("data-direction", "out");
    expect(reply).toHaveTextContent("Yes, we do!");
  });
});

describe("language", () => {
  it("switches between English and Russian and remembers the choice", async () => {
    useMock();
    const user = await renderWithRows();
    expect(screen.getByTestId("test-chat-toggle")).toHaveTextContent("Test chat");
    await user.selectOptions(screen.getByTestId("language-switch"), "ru");
    expect(screen.getByTestId("test-chat-toggle")).toHaveTextContent("Тестовый чат");
    expect(screen.getByTestId("status-filter-all")).toHaveTextContent("Все");
    expect(localStorage.getItem("tuberry.language")).toBe("ru");
    expect(document.documentElement.lang).toBe("ru");
  });
});
