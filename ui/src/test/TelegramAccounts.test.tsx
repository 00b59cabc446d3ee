import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend } from "../api";
import { createMockBackend, type MockBackend } from "../mock";
import { newMessage } from "../mock-shared";
import App from "../App";
import { MessageBubble } from "../components/MessageBubble";

const VALID_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

function useMock(): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50, botStartMs: 40 });
  setBackend(backend);
  return backend;
}

async function openProject(user: ReturnType<typeof userEvent.setup>, name: string) {
  await user.click(screen.getByTestId("nav-projects"));
  await waitFor(() =>
    expect(screen.queryAllByTestId("project-row").some((r) => r.textContent?.includes(name))).toBe(true),
  );
  await user.click(screen.queryAllByTestId("project-row").find((r) => r.textContent?.includes(name))!);
  return screen.findByTestId("tg-accounts");
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("staff Telegram accounts", () => {
  it("cannot be added until the project has its bot and work group, and says so", async () => {
    useMock();
    await api.createProject({ name: "Bare", language: "en" });
    const user = userEvent.setup();
    render(<App />);
    const section = await openProject(user, "Bare");
    expect(within(section).getByTestId("tg-accounts-add")).toBeDisabled();
    expect(within(section).getByTestId("tg-accounts-blocked")).toHaveTextContent("Connect the project's bot first");
  });

  it("are connected by QR with the password, then listed with their flags", async () => {
    const backend = useMock();
    const project = await api.createProject({ name: "Flowers", language: "en" });
    await api.connectBot(project.id, { token: VALID_TOKEN, apiUrl: null });
    backend.bindWorkGroup(project.id, "Flowers team");
    const user = userEvent.setup();
    render(<App />);
    const section = await openProject(user, "Flowers");
    await waitFor(() => expect(within(section).getByTestId("tg-accounts-add")).toBeEnabled());
    await user.click(within(section).getByTestId("tg-accounts-add"));

    // The owner's own application is asked for first.
    const dialog = await screen.findByTestId("tg-login");
    await user.type(await within(dialog).findByTestId("tg-app-id"), "123456");
    await user.type(within(dialog).getByTestId("tg-app-hash"), "0123456789abcdef0123456789abcdef");
    await user.click(within(dialog).getByTestId("tg-app-save"));
    await user.click(await within(dialog).findByTestId("tg-login-start"));
    const qr = await within(dialog).findByTestId("tg-login-qr");
    expect(qr).toHaveAttribute("data-url", "tg://login?token=ZGVtbw");
    expect(qr.getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
    expect(dialog).toHaveTextContent("Settings → Devices → Link Desktop Device");

    const [attempt] = backend.telegramLogins();
    act(() => backend.moveTelegramLogin(attempt.id, { state: "password_required", passwordHint: "the garden", qrSvg: null }));
    expect(await within(dialog).findByTestId("tg-login-hint")).toHaveTextContent("the garden");
    const password = vi.spyOn(backend.commands, "telegramLoginPassword");
    await user.type(within(dialog).getByTestId("tg-login-password"), "tulips");
    await user.click(within(dialog).getByTestId("tg-login-submit"));
    expect(password).toHaveBeenCalledWith(attempt.id, "tulips");
    act(() => backend.moveTelegramLogin(attempt.id, { wrongAnswer: true }));
    expect(await within(dialog).findByTestId("tg-login-wrong")).toHaveTextContent("Wrong password");

    act(() => backend.moveTelegramLogin(attempt.id, { state: "connected", accountName: "Marina" }));
    expect(await within(dialog).findByTestId("tg-login-connected")).toHaveTextContent("Connected: Marina");
    await waitFor(() => expect(screen.queryByTestId("tg-login")).not.toBeInTheDocument(), { timeout: 3000 });

    const row = await within(section).findByTestId("tg-account");
    expect(within(row).getByTestId("tg-account-name")).toHaveTextContent("Marina");
    expect(within(row).getByTestId("tg-flag-privateChats")).toBeChecked();
    expect(within(row).getByTestId("tg-flag-groups")).not.toBeChecked();
    const flags = vi.spyOn(backend.commands, "setTelegramAccountFlags");
    await user.click(within(row).getByTestId("tg-flag-groups"));
    expect(flags).toHaveBeenCalledWith(expect.any(Number), { privateChats: true, groups: true, channels: false });
    await waitFor(() => expect(within(section).getByTestId("tg-flag-groups")).toBeChecked());
  });

  it("start over after an expired code, and by phone number", async () => {
    const backend = useMock();
    await api.saveTelegramApp({
      apiId: 1,
      apiHash: "0123456789abcdef0123456789abcdef",
      deviceModel: "",
      systemVersion: "",
      appVersion: "",
      langCode: "",
    });
    const project = await api.createProject({ name: "Bikes", language: "en" });
    await api.connectBot(project.id, { token: VALID_TOKEN, apiUrl: null });
    backend.bindWorkGroup(project.id, "Bikes team");
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByTestId("nav-accounts"));
    await user.click(await screen.findByTestId("accounts-add-telegram"));
    const dialog = await screen.findByTestId("tg-login");
    await user.click(await within(dialog).findByTestId("tg-login-start"));
    await within(dialog).findByTestId("tg-login-qr");
    const [attempt] = backend.telegramLogins();
    act(() => backend.moveTelegramLogin(attempt.id, { state: "expired", qrSvg: null }));
    expect(await within(dialog).findByTestId("tg-login-ended")).toHaveTextContent("Nobody scanned the code in time");
    await user.click(within(dialog).getByTestId("tg-login-again"));

    await user.click(await within(dialog).findByTestId("tg-login-switch"));
    await user.type(within(dialog).getByTestId("tg-login-phone"), "+7 999 000-05-02");
    const start = vi.spyOn(backend.commands, "startTelegramLogin");
    await user.click(within(dialog).getByTestId("tg-login-start"));
    expect(start).toHaveBeenCalledWith({
      projectId: project.id,
      method: { method: "phone", phone: "+7 999 000-05-02" },
      proxy: null,
    });
    expect(await within(dialog).findByTestId("tg-login-code-input")).toBeInTheDocument();
  });
});

describe("a customer's message changed at Telegram", () => {
  it("says it was edited, or deleted, and keeps what was said", () => {
    const at = Date.UTC(2026, 11, 5, 9, 0);
    const base = {
      id: 1,
      conversationId: 1,
      ...newMessage({ direction: "in", authorKind: "customer", authorName: "Vera", text: "", createdAt: at, sentAt: at }),
    };
    const { rerender } = render(
      <MessageBubble message={{ ...base, text: "I want 7 roses", editedAt: at + 60_000 }} grouped={false} language="en" />,
    );
    expect(screen.getByTestId("message-edited")).toHaveTextContent("edited");
    expect(screen.queryByTestId("message-deleted")).not.toBeInTheDocument();
    rerender(<MessageBubble message={{ ...base, text: "And a card", deletedAt: at + 90_000 }} grouped={false} language="en" />);
    expect(screen.getByTestId("message-deleted")).toHaveTextContent("deleted by the customer");
    expect(screen.getByTestId("message-text")).toHaveTextContent("And a card");
  });
});
