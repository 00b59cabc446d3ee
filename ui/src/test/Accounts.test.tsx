import { beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend, type Account } from "../api";
import { createMockBackend, DEMO_MAILBOX_ADDRESS, type MockBackend, type MockOptions } from "../mock";
import App from "../App";

function useMock(options: MockOptions = {}): MockBackend {
  const backend = createMockBackend({
    locale: "en",
    deliveryDelayMs: 50,
    botStartMs: 10,
    mailStartMs: 10,
    mailImportMs: 50,
    mailProbeMs: 10,
    avitoStartMs: 20,
    ...options,
  });
  setBackend(backend);
  return backend;
}

const rows = () => screen.queryAllByTestId("account-row");
const rowOf = (kind: string) => rows().find((r) => r.dataset.kind === kind)!;

async function openAccounts() {
  const user = userEvent.setup();
  render(<App />);
  await user.click(screen.getByTestId("nav-accounts"));
  await screen.findByTestId("accounts-view");
  return user;
}

/** A project named `name` whose bot is connected and online. */
async function projectWithBot(name: string) {
  const project = await api.createProject({ name, language: "en" });
  const connected = await api.connectBot(project.id, { token: "42:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", apiUrl: null });
  await waitFor(async () => expect((await api.listProjects())[0].bot?.state).toBe("online"));
  return { project, botAccountId: connected.bot!.accountId };
}

const account = (id: number, kind: Account["kind"], name: string, status: Partial<Account["status"]>): Account => ({
  id,
  kind,
  name,
  projectId: null,
  status: { state: "connected", detail: null, lastError: null, lastConnectedAt: null, ...status },
});

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("the Accounts view", () => {
  it("lists every kind's accounts with the one model's states, their project and details", async () => {
    const backend = useMock();
    const { project } = await projectWithBot("Shop");
    const mailboxId = (await api.listMailboxes()).find((m) => m.address === DEMO_MAILBOX_ADDRESS)!.accountId;
    const user = await openAccounts();
    expect(screen.getByTestId("nav-accounts")).toHaveAttribute("aria-current", "page");
    expect(screen.getByTestId("nav-accounts")).toHaveTextContent("Accounts");

    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(rows().map((r) => r.dataset.kind)).toEqual(["simulator", "avito", "email", "telegram_bot"]);

    const testChat = rowOf("simulator");
    expect(within(testChat).getByTestId("account-name")).toHaveTextContent("Test chat");
    expect(within(testChat).getByTestId("account-state")).toHaveTextContent("Connected");
    expect(within(testChat).getByTestId("account-project")).toHaveTextContent("No project");
    expect(within(testChat).getByTestId("account-last-connected")).toHaveTextContent("Last connected: just now");
    expect(within(testChat).queryByTestId("account-detail")).not.toBeInTheDocument();

    const bot = rowOf("telegram_bot");
    expect(within(bot).getByText("Telegram bot")).toBeInTheDocument();
    expect(within(bot).getByTestId("account-name")).toHaveTextContent("@demo_shop_bot");
    expect(within(bot).getByTestId("account-state")).toHaveTextContent("Connected");
    expect(within(bot).getByTestId("account-project")).toHaveTextContent("Project: Shop");
    // "Online" says no more than "Connected".
    expect(within(bot).queryByTestId("account-detail")).not.toBeInTheDocument();

    const mailbox = rowOf("email");
    expect(within(mailbox).getByTestId("account-state")).toHaveAttribute("data-state", "connected");
    expect(within(mailbox).getByTestId("account-detail")).toHaveTextContent("New mail arrives at once");
    expect(within(mailbox).getByTestId("account-last-connected")).toHaveTextContent(/Last connected: \S/);

    const avito = rowOf("avito");
    expect(within(avito).getByTestId("account-name")).toHaveTextContent("Avito · Furniture & goods");
    expect(within(avito).getByTestId("account-state")).toHaveTextContent("Connected");

    // A bot in conflict and a mailbox whose password is refused: the same words and colours for every kind.
    backend.setBotState(project.id, "conflict", "terminated by other getUpdates request");
    backend.setMailboxState(mailboxId, "offline", { problem: "auth", message: "AUTHENTICATIONFAILED Invalid credentials" });
    await waitFor(() => expect(rowOf("telegram_bot")).toHaveAttribute("data-state", "error"));
    await waitFor(() => expect(rowOf("email")).toHaveAttribute("data-state", "bad_credentials"));
    expect(within(rowOf("telegram_bot")).getByTestId("account-state")).toHaveTextContent("Error");
    expect(within(rowOf("telegram_bot")).getByTestId("account-detail")).toHaveTextContent("Another program uses this bot");
    expect(within(rowOf("email")).getByTestId("account-state")).toHaveTextContent("Bad credentials");
    expect(within(rowOf("email")).getByTestId("account-state").className).toBe(
      within(rowOf("telegram_bot")).getByTestId("account-state").className,
    );
    expect(within(rowOf("email")).queryByTestId("account-detail")).not.toBeInTheDocument();

    // Moving an account into a project is the project's change: the row follows.
    await api.setProjectSources(project.id, [mailboxId]);
    await waitFor(() => expect(within(rowOf("email")).getByTestId("account-project")).toHaveTextContent("Project: Shop"));
    await user.click(screen.getByTestId("nav-inbox"));
    expect(screen.queryByTestId("accounts-view")).not.toBeInTheDocument();
  });

  it("speaks Russian", async () => {
    await i18n.changeLanguage("ru");
    const backend = useMock({ locale: "ru" });
    const { project } = await projectWithBot("Магазин");
    const avitoId = (await api.listAvitoAccounts())[0].id;
    await openAccounts();
    expect(screen.getByTestId("nav-accounts")).toHaveTextContent("Аккаунты");
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Аккаунты");

    const testChat = rowOf("simulator");
    expect(within(testChat).getByTestId("account-name")).toHaveTextContent("Тестовый чат");
    expect(within(testChat).getByTestId("account-state")).toHaveTextContent("Подключён");
    expect(within(testChat).getByTestId("account-project")).toHaveTextContent("Без проекта");
    expect(within(testChat).getByTestId("account-last-connected")).toHaveTextContent("Последнее подключение: только что");
    expect(within(rowOf("telegram_bot")).getByTestId("account-project")).toHaveTextContent("Проект: Магазин");
    expect(within(rowOf("email")).getByTestId("account-detail")).toHaveTextContent("Новые письма приходят сразу");

    backend.setBotState(project.id, "unauthorized", "Unauthorized");
    backend.setAvitoState(avitoId, "offline", { problem: "tariff", message: "403 Forbidden: no access to messenger" });
    await waitFor(() => expect(rowOf("telegram_bot")).toHaveAttribute("data-state", "bad_credentials"));
    expect(within(rowOf("telegram_bot")).getByTestId("account-state")).toHaveTextContent("Неверные учётные данные");
    await waitFor(() => expect(rowOf("avito")).toHaveAttribute("data-state", "error"));
    expect(within(rowOf("avito")).getByTestId("account-state")).toHaveTextContent("Ошибка");
    expect(within(rowOf("avito")).getByTestId("account-detail")).toHaveTextContent("На тарифе Авито нет доступа к чатам");
    expect(within(rowOf("avito")).getByTestId("account-last-error")).toHaveTextContent(
      "Последняя ошибка: 403 Forbidden: no access to messenger",
    );
  });

  it("shows an account's last error", async () => {
    const backend = useMock();
    const avitoId = (await api.listAvitoAccounts())[0].id;
    await openAccounts();
    await waitFor(() => expect(rowOf("avito")).toHaveAttribute("data-state", "connected"));
    expect(within(rowOf("avito")).queryByTestId("account-last-error")).not.toBeInTheDocument();

    backend.setAvitoState(avitoId, "offline", { problem: "connect", message: "connecting to api.avito.ru:443 timed out" });
    await waitFor(() => expect(rowOf("avito")).toHaveAttribute("data-state", "offline"));
    expect(within(rowOf("avito")).getByTestId("account-state")).toHaveTextContent("Offline");
    expect(within(rowOf("avito")).getByTestId("account-last-error")).toHaveTextContent(
      "Last error: connecting to api.avito.ru:443 timed out",
    );
    // "Offline" is the state already: no detail repeats it.
    expect(within(rowOf("avito")).queryByTestId("account-detail")).not.toBeInTheDocument();
  });

  it("reads the accounts again when the engine says one changed", async () => {
    const backend = useMock();
    await openAccounts();
    await waitFor(() => expect(rows()).toHaveLength(3));

    const lastConnectedAt = Date.now() - 20.5 * 60_000;
    backend.answerNext("listAccounts", {
      status: "ok",
      data: [
        account(1, "simulator", "Test chat", { lastConnectedAt: Date.now() }),
        account(6, "email", "Shop mail", {
          state: "connecting",
          detail: "connecting",
          lastError: "imap.tuberry.example: connection reset",
          lastConnectedAt,
        }),
        account(9, "avito", "Second shop", { state: "stopped", detail: "stopped" }),
      ],
    });
    backend.emitEvent({ type: "account_changed", account_id: 6 });

    await waitFor(() => expect(rowOf("email")).toHaveAttribute("data-state", "connecting"));
    const mailbox = rowOf("email");
    expect(within(mailbox).getByTestId("account-state")).toHaveTextContent("Connecting…");
    expect(within(mailbox).getByTestId("account-last-error")).toHaveTextContent(
      "Last error: imap.tuberry.example: connection reset",
    );
    expect(within(mailbox).getByTestId("account-last-connected")).toHaveTextContent("Last connected: 20 min ago");
    const avito = rowOf("avito");
    expect(within(avito).getByTestId("account-name")).toHaveTextContent("Second shop");
    expect(within(avito).getByTestId("account-state")).toHaveTextContent("Stopped");
    expect(within(avito).getByTestId("account-last-connected")).toHaveTextContent("Not connected yet");
  });

  it("explains where accounts come from when there are none", async () => {
    const backend = useMock();
    backend.answerNext("listAccounts", { status: "ok", data: [] });
    backend.answerNext("listWhatsappNumbers", { status: "ok", data: [] });
    const user = await openAccounts();
    const empty = await screen.findByTestId("accounts-empty");
    expect(empty).toHaveTextContent("No connected accounts yet");
    expect(empty).toHaveTextContent("Projects");
    expect(empty).toHaveTextContent("Mailboxes");
    expect(empty).toHaveTextContent("Avito");
    expect(rows()).toHaveLength(0);

    await user.selectOptions(screen.getByTestId("language-switch"), "ru");
    expect(await screen.findByTestId("accounts-empty")).toHaveTextContent("Подключённых аккаунтов пока нет");
    expect(screen.getByTestId("accounts-empty")).toHaveTextContent("«Проекты»");
  });
});
