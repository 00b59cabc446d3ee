import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend } from "../api";
import { createMockBackend, type MockBackend } from "../mock";
import App from "../App";

const HOUR = 60 * 60 * 1000;

function useMock(): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50, avitoStartMs: 20, mailStartMs: 10 });
  setBackend(backend);
  return backend;
}

async function cloudNumber(businessAccountId: string | null) {
  const added = await api.addWhatsappCloudNumber({
    phoneNumberId: "106540352242922",
    accessToken: "EAAGtoken",
    appSecret: "app-secret",
    verifyToken: null,
    name: "Shop on WhatsApp",
    businessAccountId,
    apiUrl: null,
  });
  return added.number.id;
}

async function openConversation(conversationId: number) {
  const user = userEvent.setup();
  render(<App />);
  const row = await waitFor(() => {
    const found = screen
      .getAllByTestId("conversation-row")
      .find((r) => r.dataset.conversationId === String(conversationId));
    if (!found) throw new Error("no row yet");
    return found;
  });
  await user.click(row);
  const thread = await screen.findByTestId("thread");
  await waitFor(() => expect(thread).toHaveAttribute("data-conversation-id", String(conversationId)));
  return { user, thread };
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("a WhatsApp Cloud API conversation past its 24 hours", () => {
  it("asks for the business account, then sends a filled-in approved template in place of a reply", async () => {
    const backend = useMock();
    const accountId = await cloudNumber(null);
    const id = backend.whatsappCloudConversation(accountId, "Anna Petrova", "+79161234567", "Is the order ready?", 26 * HOUR);
    const send = vi.spyOn(backend.commands, "sendWhatsappTemplate");
    const { user, thread } = await openConversation(id);

    const banner = await within(thread).findByTestId("wa-window-banner");
    expect(banner).toHaveTextContent("More than 24 hours have passed");
    expect(banner).toHaveAttribute("data-templates", "false");
    expect(within(banner).queryByTestId("wa-template-open")).not.toBeInTheDocument();

    // A wrong ID is refused and nothing is kept.
    await user.type(within(banner).getByTestId("wa-waba-input"), "my account");
    await user.click(within(banner).getByTestId("wa-waba-save"));
    expect(await within(banner).findByTestId("wa-waba-error")).toHaveTextContent("digits only");
    expect((await api.listWhatsappCloudNumbers())[0].businessAccountId).toBeNull();

    await user.clear(within(banner).getByTestId("wa-waba-input"));
    await user.type(within(banner).getByTestId("wa-waba-input"), "102290129340398");
    await user.click(within(banner).getByTestId("wa-waba-save"));
    await waitFor(() => expect(within(thread).getByTestId("wa-window-banner")).toHaveAttribute("data-templates", "true"));
    expect((await api.listWhatsappCloudNumbers())[0].businessAccountId).toBe("102290129340398");

    await user.click(within(thread).getByTestId("wa-template-open"));
    const dialog = await screen.findByTestId("wa-template-dialog");
    await waitFor(() => expect(dialog).toHaveAttribute("data-phase", "ready"));
    const listed = within(dialog).getAllByTestId("wa-template");
    expect(listed.map((b) => `${b.dataset.name}/${b.dataset.language}`)).toEqual([
      "order_ready/en_US",
      "order_ready/ru",
      "follow_up/ru",
    ]);
    expect(listed[0]).toHaveTextContent("Utility");

    await user.click(listed[0]);
    expect(listed[0]).toHaveAttribute("aria-pressed", "true");
    const sendButton = within(dialog).getByTestId("wa-template-send");
    expect(sendButton).toBeDisabled();
    await user.type(within(dialog).getByTestId("wa-template-param-1"), "Anna");
    expect(sendButton).toBeDisabled();
    await user.type(within(dialog).getByTestId("wa-template-param-2"), "#1042");
    const expected = "Your order\n\nHello, Anna! Your order #1042 is ready. Reply to this message if you have any questions.\n\nTuberry Shop";
    expect(within(dialog).getByTestId("wa-template-preview").textContent).toBe(expected);
    await user.click(sendButton);

    await waitFor(() => expect(screen.queryByTestId("wa-template-dialog")).not.toBeInTheDocument());
    expect(send).toHaveBeenCalledWith({ conversationId: id, name: "order_ready", language: "en_US", params: ["Anna", "#1042"] });
    const messages = await within(thread).findAllByTestId("message");
    const last = messages[messages.length - 1];
    expect(last).toHaveAttribute("data-direction", "out");
    expect(within(last).getByTestId("message-text")).toHaveTextContent("Hello, Anna! Your order #1042 is ready.");
    // The window stays closed until the customer answers.
    expect(within(thread).getByTestId("wa-window-banner")).toBeInTheDocument();
  });

  it("shows the engine's refusal in the dialog and keeps what was filled in", async () => {
    const backend = useMock();
    const accountId = await cloudNumber("102290129340398");
    const id = backend.whatsappCloudConversation(accountId, "Ivan", "+79160000000", "Hello", 30 * HOUR);
    const { user, thread } = await openConversation(id);
    await user.click(await within(thread).findByTestId("wa-template-open"));
    const dialog = await screen.findByTestId("wa-template-dialog");
    await waitFor(() => expect(dialog).toHaveAttribute("data-phase", "ready"));
    await user.click(within(dialog).getAllByTestId("wa-template")[2]);
    // A template without places is sent as it is.
    expect(within(dialog).queryByTestId("wa-template-param-1")).not.toBeInTheDocument();
    backend.failNext("sendWhatsappTemplate", {
      code: "unavailable",
      message: "WhatsApp refused the template: (#132001) Template name does not exist in the translation",
    });
    await user.click(within(dialog).getByTestId("wa-template-send"));
    expect(await within(dialog).findByTestId("wa-template-error")).toHaveTextContent("132001");
    expect(screen.getByTestId("wa-template-dialog")).toBeInTheDocument();
    expect(within(dialog).getAllByTestId("wa-template")[2]).toHaveAttribute("aria-pressed", "true");
  });

  it("says when Meta's list cannot be read", async () => {
    const backend = useMock();
    const accountId = await cloudNumber("102290129340398");
    const id = backend.whatsappCloudConversation(accountId, "Ivan", "+79160000000", "Hello", 30 * HOUR);
    const { user, thread } = await openConversation(id);
    backend.failNext("whatsappCloudTemplates", { code: "unavailable", message: "the access token was refused by Meta" });
    await user.click(await within(thread).findByTestId("wa-template-open"));
    const dialog = await screen.findByTestId("wa-template-dialog");
    expect(await within(dialog).findByTestId("wa-template-load-error")).toHaveTextContent("refused by Meta");
    expect(within(dialog).queryByTestId("wa-template-send")).not.toBeInTheDocument();
  });
});

describe("conversations that take a reply as usual", () => {
  it("show no banner within the 24 hours, nor on a number linked as a device", async () => {
    const backend = useMock();
    const accountId = await cloudNumber("102290129340398");
    const id = backend.whatsappCloudConversation(accountId, "Olga", "+79165550000", "Hi", 2 * HOUR);
    const window = vi.spyOn(backend.commands, "whatsappReplyWindow");
    const { thread } = await openConversation(id);
    await waitFor(() => expect(window).toHaveBeenCalledWith(id));
    await window.mock.results[0].value;
    expect(within(thread).queryByTestId("wa-window-banner")).not.toBeInTheDocument();
    expect(await api.whatsappReplyWindow(id)).toMatchObject({ accountId, open: true, templates: true });

    // The seeded WhatsApp conversations came through the linked number: no window there.
    const page = await api.listConversations({ channel: "whatsapp", limit: 50 });
    const linked = page.items.find((c) => c.channelAccountId !== accountId);
    expect(linked).toBeDefined();
    expect(await api.whatsappReplyWindow(linked!.id)).toBeNull();
  });
});
