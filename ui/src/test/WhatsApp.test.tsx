import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend } from "../api";
import { createMockBackend, type MockBackend } from "../mock";
import { demoQr } from "../mock-whatsapp-linked";
import { formatFull } from "../format";
import App from "../App";

type User = ReturnType<typeof userEvent.setup>;

function useMock(): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 30, botStartMs: 10 });
  setBackend(backend);
  return backend;
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

async function openAccounts() {
  const user = userEvent.setup();
  render(<App />);
  await user.click(screen.getByTestId("nav-accounts"));
  await screen.findByTestId("accounts-view");
  return user;
}

async function openLinkDialog(user: User) {
  const add = screen.getByRole("button", { name: "Add WhatsApp" });
  await waitFor(() => expect(add).toBeEnabled());
  await user.click(add);
  return screen.findByRole("dialog", { name: "Link a WhatsApp number" });
}

/** The only link attempt the engine has under way. */
function onlyLink(backend: MockBackend) {
  const links = backend.whatsappLinks();
  expect(links).toHaveLength(1);
  return links[0];
}

/** The SVG drawing an image shows. */
const svgOf = (img: HTMLElement) =>
  decodeURIComponent(img.getAttribute("src")!.replace(/^data:image\/svg\+xml;charset=utf-8,/, ""));

/** A linked number's row in the Accounts view, by its phone as shown. */
const numberRow = (phone: string) => screen.getByRole("article", { name: phone });

describe("linking the shop's WhatsApp number", () => {
  it("shows the QR code with the steps, follows WhatsApp's new codes, and lists the number once linked", async () => {
    const backend = useMock();
    const project = await api.createProject({ name: "Flowers", language: "en" });
    const start = vi.spyOn(backend.commands, "startWhatsappLink");
    const cancel = vi.spyOn(backend.commands, "cancelWhatsappLink");
    const user = await openAccounts();
    const dialog = await openLinkDialog(user);

    expect(within(dialog).getByLabelText("Project")).toHaveValue(String(project.id));
    await user.click(within(dialog).getByRole("button", { name: "Show the QR code" }));
    expect(start).toHaveBeenCalledWith({ projectId: project.id, method: { method: "qr" } });

    const qr = await within(dialog).findByRole("img", { name: "QR code to link WhatsApp" });
    const first = onlyLink(backend);
    expect(svgOf(qr)).toBe(first.qrSvg);
    const steps = within(within(dialog).getByRole("list", { name: "How to link" })).getAllByRole("listitem");
    expect(steps.map((s) => s.textContent)).toEqual([
      "Open WhatsApp on the phone.",
      "Tap Settings (on Android, ⋮).",
      "Tap Linked devices → Link a device.",
      "Point the phone at this code.",
    ]);
    expect(within(dialog).getByTestId("wa-link-left")).toHaveTextContent(/This attempt ends in (3:00|2:5\d)\./);

    // WhatsApp rotates the code: the new one replaces the old at once.
    const rotated = demoQr(99);
    act(() => backend.moveWhatsappLink(first.id, { qrSvg: rotated, qrUrl: "2@rotated" }));
    await waitFor(() =>
      expect(svgOf(within(dialog).getByRole("img", { name: "QR code to link WhatsApp" }))).toBe(rotated),
    );
    expect(within(dialog).getByTestId("wa-link-qr")).toHaveAttribute("data-url", "2@rotated");

    act(() => backend.moveWhatsappLink(first.id, { state: "connected", accountName: "Flower Shop" }));
    await waitFor(() => expect(within(dialog).getByRole("status")).toHaveTextContent("Linked: Flower Shop"));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument(), { timeout: 3000 });
    expect(cancel).not.toHaveBeenCalled();

    const section = screen.getByRole("region", { name: "WhatsApp numbers" });
    const row = await within(section).findByRole("article", { name: "+79035550142" });
    expect(within(row).getByTestId("wa-number-name")).toHaveTextContent("Flower Shop");
    expect(within(row).getByTestId("wa-number-project")).toHaveTextContent("Project: Flowers");
    await waitFor(() => expect(within(row).getByTestId("account-state")).toHaveTextContent("Connected"));
    expect(within(row).getByRole("checkbox", { name: "Private chats" })).toBeChecked();
    expect(within(row).getByRole("checkbox", { name: "Groups" })).not.toBeChecked();
    // The number is in its own section, not once more in the list of other accounts.
    expect(screen.getAllByTestId("account-row").some((r) => r.textContent?.includes("Flower Shop"))).toBe(false);
  });

  it("links with a pairing code instead: asks for the number, then shows the code large with the steps", async () => {
    const backend = useMock();
    const project = await api.createProject({ name: "Flowers", language: "en" });
    const start = vi.spyOn(backend.commands, "startWhatsappLink");
    const user = await openAccounts();
    const dialog = await openLinkDialog(user);

    await user.click(within(dialog).getByRole("button", { name: "Link with phone number instead" }));
    const get = within(dialog).getByRole("button", { name: "Get the pairing code" });
    expect(get).toBeDisabled();
    const phone = within(dialog).getByLabelText("The shop's WhatsApp number");
    expect(phone).toHaveAccessibleDescription("With the country code, e.g. +7 999 123-45-67.");

    // The engine refuses a number without its country code, and says why.
    await user.type(phone, "12-34");
    await user.click(get);
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("enter the number with its country code");
    expect(backend.whatsappLinks()).toHaveLength(0);

    await user.clear(phone);
    await user.type(phone, "+7 903 555-01-42");
    await user.click(get);
    expect(start).toHaveBeenLastCalledWith({
      projectId: project.id,
      method: { method: "code", phone: "+7 903 555-01-42" },
    });
    const code = await within(dialog).findByRole("group", { name: "Pairing code" });
    expect(within(code).getByTestId("wa-link-code")).toHaveTextContent("K7QM-P2XD");
    expect(within(dialog).queryByRole("img", { name: "QR code to link WhatsApp" })).not.toBeInTheDocument();
    const steps = within(within(dialog).getByRole("list", { name: "How to link" })).getAllByRole("listitem");
    expect(steps.map((s) => s.textContent)).toEqual([
      "Open WhatsApp on the phone with the number +7 903 555-01-42.",
      "Tap Settings (on Android, ⋮) → Linked devices → Link a device.",
      "Tap “Link with phone number instead”.",
      "Enter this code on the phone.",
    ]);

    // WhatsApp's code as it comes, without the dash, is shown in two halves.
    const attempt = onlyLink(backend);
    act(() => backend.moveWhatsappLink(attempt.id, { pairCode: "abcdefgh" }));
    await waitFor(() => expect(within(dialog).getByTestId("wa-link-code")).toHaveTextContent("ABCD-EFGH"));

    act(() => backend.moveWhatsappLink(attempt.id, { state: "connected", accountName: "Flower Shop" }));
    expect(await within(dialog).findByTestId("wa-link-connected")).toHaveTextContent("Linked: Flower Shop");
    expect(await screen.findByRole("article", { name: "+79035550142" })).toBeInTheDocument();
  });

  it("offers Try again when the code lapses or linking fails, and cancels the attempt when closed", async () => {
    const backend = useMock();
    const project = await api.createProject({ name: "Flowers", language: "en" });
    const start = vi.spyOn(backend.commands, "startWhatsappLink");
    const cancel = vi.spyOn(backend.commands, "cancelWhatsappLink");
    const user = await openAccounts();
    const dialog = await openLinkDialog(user);
    await user.click(within(dialog).getByRole("button", { name: "Show the QR code" }));
    await within(dialog).findByRole("img", { name: "QR code to link WhatsApp" });

    const first = onlyLink(backend);
    act(() => backend.moveWhatsappLink(first.id, { state: "expired" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("Nobody scanned the code in time.");
    expect(within(dialog).queryByRole("img", { name: "QR code to link WhatsApp" })).not.toBeInTheDocument();

    // Try again starts a new attempt at once.
    await user.click(within(dialog).getByRole("button", { name: "Try again" }));
    expect(start).toHaveBeenCalledTimes(2);
    expect(start).toHaveBeenLastCalledWith({ projectId: project.id, method: { method: "qr" } });
    await within(dialog).findByRole("img", { name: "QR code to link WhatsApp" });
    const second = backend.whatsappLinks().find((l) => l.id !== first.id)!;
    expect(second.state).toBe("waiting_for_scan");

    act(() => backend.moveWhatsappLink(second.id, { state: "error", error: "the phone refused the link" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("Linking failed: the phone refused the link");
    await user.click(within(dialog).getByRole("button", { name: "Try again" }));
    await within(dialog).findByRole("img", { name: "QR code to link WhatsApp" });
    expect(start).toHaveBeenCalledTimes(3);
    const third = (await start.mock.results[2].value) as { status: "ok"; data: { id: string } };

    // Closing the dialog lets the engine drop the attempt under way.
    await user.click(within(dialog).getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    await waitFor(() => expect(cancel).toHaveBeenCalledWith(third.data.id));
    expect(backend.whatsappLinks().map((l) => l.id)).not.toContain(third.data.id);
  });
});

describe("the linked WhatsApp numbers", () => {
  it("turn groups on and unlink the number through the engine, after asking", async () => {
    const backend = useMock();
    const project = await api.createProject({ name: "Flowers", language: "en" });
    const id = backend.linkWhatsappNumber(project.id, "+79161234567", "Roses & Co");
    const flags = vi.spyOn(backend.commands, "setWhatsappFlags");
    const remove = vi.spyOn(backend.commands, "removeWhatsappNumber");
    const user = await openAccounts();

    const row = await screen.findByRole("article", { name: "+79161234567" });
    const groups = within(row).getByRole("checkbox", { name: "Groups" });
    expect(groups).not.toBeChecked();
    await user.click(groups);
    expect(flags).toHaveBeenCalledWith(id, { privateChats: true, groups: true });
    await waitFor(() =>
      expect(within(numberRow("+79161234567")).getByRole("checkbox", { name: "Groups" })).toBeChecked(),
    );
    const stored = (await api.listWhatsappNumbers()).find((n) => n.id === id);
    expect(stored?.flags).toEqual({ privateChats: true, groups: true });

    await user.click(within(numberRow("+79161234567")).getByRole("checkbox", { name: "Private chats" }));
    expect(flags).toHaveBeenLastCalledWith(id, { privateChats: false, groups: true });

    // Unlinking asks first; Cancel leaves the number be.
    await user.click(within(numberRow("+79161234567")).getByRole("button", { name: "Unlink…" }));
    expect(numberRow("+79161234567")).toHaveTextContent("Unlink this number?");
    await user.click(within(numberRow("+79161234567")).getByRole("button", { name: "Cancel" }));
    expect(remove).not.toHaveBeenCalled();

    await user.click(within(numberRow("+79161234567")).getByRole("button", { name: "Unlink…" }));
    await user.click(within(numberRow("+79161234567")).getByRole("button", { name: "Unlink" }));
    expect(remove).toHaveBeenCalledWith(id);
    await waitFor(() => expect(screen.queryByRole("article", { name: "+79161234567" })).not.toBeInTheDocument());
    expect((await api.listWhatsappNumbers()).map((n) => n.id)).not.toContain(id);
  });

  it("say when WhatsApp ended the link, with its reason, and offer to link the number again", async () => {
    const backend = useMock();
    const project = await api.createProject({ name: "Flowers", language: "en" });
    const id = backend.linkWhatsappNumber(project.id, "+79161234567", "Roses & Co");
    const user = await openAccounts();
    const row = await screen.findByRole("article", { name: "+79161234567" });
    await waitFor(() => expect(within(row).getByTestId("account-state")).toHaveTextContent("Connected"));
    expect(within(row).queryByTestId("wa-number-problem")).not.toBeInTheDocument();

    act(() => backend.unlinkWhatsappNumber(id, "the device was removed on the phone"));
    await waitFor(() =>
      expect(within(numberRow("+79161234567")).getByTestId("account-state")).toHaveTextContent("Unlinked"),
    );
    expect(within(numberRow("+79161234567")).getByTestId("wa-number-problem")).toHaveTextContent(
      "WhatsApp ended the link: the device was removed on the phone. Link the number again.",
    );
    await user.click(within(numberRow("+79161234567")).getByRole("button", { name: "Link again" }));
    const dialog = await screen.findByRole("dialog", { name: "Link a WhatsApp number" });
    expect(within(dialog).getByLabelText("Project")).toHaveValue(String(project.id));
  });

  it("shows an offline number's last error from the accounts list", async () => {
    const backend = useMock();
    const id = backend.linkWhatsappNumber(null, "+79161234567", null);
    const accounts = await api.listAccounts();
    backend.answerNext("listAccounts", {
      status: "ok",
      data: accounts.map((a) =>
        a.id === id
          ? { ...a, status: { ...a.status, state: "offline" as const, lastError: "no connection to WhatsApp" } }
          : a,
      ),
    });
    await openAccounts();
    const row = await screen.findByRole("article", { name: "+79161234567" });
    await waitFor(() => expect(within(row).getByTestId("account-state")).toHaveTextContent("Offline"));
    expect(within(row).getByTestId("wa-number-problem")).toHaveTextContent("Last error: no connection to WhatsApp");
    expect(within(row).getByTestId("wa-number-project")).toHaveTextContent("No project");
  });
});

async function openElena() {
  const user = userEvent.setup();
  render(<App />);
  await waitFor(() => expect(screen.getAllByTestId("conversation-row").length).toBeGreaterThan(3));
  await user.click(screen.getAllByTestId("conversation-row").find((r) => r.textContent?.includes("Elena Krylova"))!);
  const thread = await screen.findByTestId("thread");
  await waitFor(() => expect(within(thread).getAllByTestId("message").length).toBeGreaterThan(2));
  return { user, thread };
}

const bubbleWith = (thread: HTMLElement, text: string) =>
  within(thread)
    .getAllByTestId("message")
    .find((m) => within(m).getByTestId("message-text").textContent === text)!;

describe("a WhatsApp conversation", () => {
  it("shows a reply the customer read with blue ticks, and the customer's reaction on it", async () => {
    const backend = useMock();
    const { user, thread } = await openElena();

    await user.type(screen.getByTestId("composer-input"), "We will send a new cup tomorrow.");
    await user.click(screen.getByTestId("composer-send"));
    const reply = () => bubbleWith(thread, "We will send a new cup tomorrow.");
    await waitFor(() => expect(reply()).toHaveAttribute("data-delivery", "sent"));
    expect(within(reply()).getByRole("img", { name: "Sent" })).toBeInTheDocument();
    expect(within(reply()).queryByRole("img", { name: /^Read at/ })).not.toBeInTheDocument();
    expect(within(reply()).queryByRole("img", { name: /^Reaction/ })).not.toBeInTheDocument();
    const id = Number(reply().dataset.messageId);

    act(() => backend.updateMessage(id, { delivery: "delivered" }));
    await waitFor(() => expect(within(reply()).getByRole("img", { name: "Delivered" })).toBeInTheDocument());
    expect(within(reply()).queryByRole("img", { name: /^Read at/ })).not.toBeInTheDocument();

    const readAt = Date.now();
    act(() => backend.updateMessage(id, { readAt, reaction: "👍" }));
    const read = await within(thread).findByRole("img", { name: `Read at ${formatFull(readAt, "en")}` });
    expect(reply()).toContainElement(read);
    expect(read).toHaveClass("delivery--read");
    expect(read).toHaveAttribute("title", `Read at ${formatFull(readAt, "en")}`);
    expect(within(reply()).queryByRole("img", { name: "Delivered" })).not.toBeInTheDocument();
    expect(within(reply()).getByRole("img", { name: "Reaction: 👍" })).toHaveTextContent("👍");

    // The demo's auto-reply was read and got a reaction too; the customer's own messages have no ticks.
    const auto = bubbleWith(thread, "Thank you for your message! A manager will reply within an hour.");
    expect(within(auto).getByRole("img", { name: /^Read at / })).toBeInTheDocument();
    expect(within(auto).getByRole("img", { name: "Reaction: 🙏" })).toBeInTheDocument();
    expect(within(bubbleWith(thread, "Can you replace it or refund me?")).queryByRole("img")).not.toBeInTheDocument();
  });

  it("answers a chosen customer's message: its id goes as replyTo, the banner clears, the reply shows it", async () => {
    const backend = useMock();
    const send = vi.spyOn(backend.commands, "sendReply");
    const { user, thread } = await openElena();
    const conversationId = Number(thread.dataset.conversationId);
    const question = bubbleWith(thread, "Can you replace it or refund me?");
    const questionId = Number(question.dataset.messageId);
    // Only the customer's messages can be answered.
    const autoReply = bubbleWith(thread, "Thank you for your message! A manager will reply within an hour.");
    expect(within(autoReply).queryByRole("button", { name: "Reply" })).not.toBeInTheDocument();

    await user.click(within(question).getByRole("button", { name: "Reply" }));
    const banner = screen.getByRole("group", { name: "The message this reply answers" });
    expect(banner).toHaveTextContent("Reply to Elena Krylova");
    expect(banner).toHaveTextContent("Can you replace it or refund me?");
    expect(screen.getByTestId("composer-input")).toHaveFocus();

    await user.type(screen.getByTestId("composer-input"), "We will send a new cup tomorrow.");
    await user.click(screen.getByTestId("composer-send"));
    expect(send).toHaveBeenCalledWith(conversationId, "We will send a new cup tomorrow.", [], questionId, null);
    await waitFor(() =>
      expect(screen.queryByRole("group", { name: "The message this reply answers" })).not.toBeInTheDocument(),
    );
    const answer = await waitFor(() => bubbleWith(thread, "We will send a new cup tomorrow."));
    expect(within(answer).getByLabelText("In reply to")).toHaveTextContent("Can you replace it or refund me?");

    // The next reply answers nothing in particular.
    await user.type(screen.getByTestId("composer-input"), "Anything else?");
    await user.click(screen.getByTestId("composer-send"));
    expect(send).toHaveBeenLastCalledWith(conversationId, "Anything else?", [], null, null);
    const plain = await waitFor(() => bubbleWith(thread, "Anything else?"));
    expect(within(plain).queryByLabelText("In reply to")).not.toBeInTheDocument();

    // × takes the quote away before sending.
    const first = bubbleWith(thread, "My order arrived, but one cup is broken 😔 Photo attached.");
    await user.click(within(first).getByRole("button", { name: "Reply" }));
    const again = screen.getByRole("group", { name: "The message this reply answers" });
    expect(again).toHaveTextContent("one cup is broken");
    await user.click(screen.getByRole("button", { name: "Remove the quote" }));
    expect(screen.queryByRole("group", { name: "The message this reply answers" })).not.toBeInTheDocument();
    await user.type(screen.getByTestId("composer-input"), "Sorry about that.");
    await user.click(screen.getByTestId("composer-send"));
    expect(send).toHaveBeenLastCalledWith(conversationId, "Sorry about that.", [], null, null);
  });

  it("shortens a long message in the banner, and Escape takes it away", async () => {
    useMock();
    const long = `Hello! ${"I would like to order a bouquet of roses for Saturday, ".repeat(4)}please.`;
    const { conversationId } = await api.simulateInbound("Vera", long);
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(screen.getAllByTestId("conversation-row").length).toBeGreaterThan(3));
    await user.click(screen.getAllByTestId("conversation-row").find((r) => r.textContent?.includes("Vera"))!);
    const thread = await screen.findByTestId("thread");
    expect(Number(thread.dataset.conversationId)).toBe(conversationId);
    await user.click(within(bubbleWith(thread, long)).getByRole("button", { name: "Reply" }));
    const text = screen.getByTestId("composer-reply-text");
    expect(text.textContent!.length).toBeLessThanOrEqual(90);
    expect(text.textContent).toMatch(/^Hello! I would like to order.*…$/);
    expect(text).toHaveAttribute("title", long);
    await user.type(screen.getByTestId("composer-input"), "{Escape}");
    expect(screen.queryByTestId("composer-reply")).not.toBeInTheDocument();
  });
});

describe("an e-mail conversation", () => {
  it("offers no Reply on a message and keeps quoted history folded below the text", async () => {
    useMock();
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(screen.getAllByTestId("conversation-row").length).toBeGreaterThan(3));
    await user.click(screen.getAllByTestId("conversation-row").find((r) => r.textContent?.includes("Vector LLC"))!);
    const thread = await screen.findByTestId("thread");
    await waitFor(() => expect(within(thread).getAllByTestId("message").length).toBeGreaterThan(0));
    expect(within(thread).queryByRole("button", { name: "Reply" })).not.toBeInTheDocument();
    expect(within(thread).getByTestId("message-quoted-toggle")).toBeInTheDocument();
    expect(within(thread).queryByLabelText("In reply to")).not.toBeInTheDocument();
  });
});
