import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend, type MailServers } from "../api";
import { createMockBackend, DEMO_MAILBOX_ADDRESS, type MockBackend, type MockOptions } from "../mock";
import App from "../App";

function useMock(options: MockOptions = {}): MockBackend {
  const backend = createMockBackend({
    locale: "en",
    deliveryDelayMs: 50,
    mailStartMs: 20,
    mailImportMs: 100,
    mailProbeMs: 5,
    ...options,
  });
  setBackend(backend);
  return backend;
}

const mailboxRows = () => screen.queryAllByTestId("mailbox-row");
const rowOf = (text: string) => mailboxRows().find((r) => r.textContent?.includes(text));

async function openMailboxes() {
  const user = userEvent.setup();
  render(<App />);
  await user.click(screen.getByTestId("nav-mailboxes"));
  await screen.findByTestId("mailboxes-view");
  await waitFor(() => expect(mailboxRows().length).toBeGreaterThan(0));
  return user;
}

/** The demo mailbox's account id. */
async function demoMailboxId() {
  const list = await api.listMailboxes();
  return list.find((m) => m.address === DEMO_MAILBOX_ADDRESS)!.accountId;
}

/** The servers the engine would guess for an address of `domain` (as mail's guess_servers does). */
const servers = (domain: string): MailServers => ({
  imap: { host: `imap.${domain}`, port: 993, security: "tls" },
  smtp: { host: `smtp.${domain}`, port: 465, security: "tls" },
});

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("mailboxes list", () => {
  it("is reached from the top bar and shows the demo mailbox as connected", async () => {
    useMock();
    await openMailboxes();
    expect(screen.getByTestId("nav-mailboxes")).toHaveAttribute("aria-current", "page");
    expect(screen.queryByTestId("conversation-list")).not.toBeInTheDocument();
    const row = rowOf("Shop mail")!;
    expect(row).toHaveTextContent(DEMO_MAILBOX_ADDRESS);
    expect(row).toHaveAttribute("data-state", "listening");
    expect(within(row).getByTestId("mailbox-state")).toHaveTextContent("Connected");
  });

  it("follows the engine's state: import progress, polling, offline with what to check", async () => {
    const backend = useMock();
    const id = await demoMailboxId();
    await openMailboxes();

    backend.setMailboxState(id, "importing", null, { done: 340, total: 1200 });
    await waitFor(() => expect(rowOf("Shop mail")).toHaveAttribute("data-state", "importing"));
    const row = rowOf("Shop mail")!;
    expect(within(row).getByTestId("mailbox-state")).toHaveTextContent("Importing 340 of 1200");
    const bar = within(row).getByRole("progressbar");
    expect(bar).toHaveAttribute("aria-valuenow", "340");
    expect(bar).toHaveAttribute("aria-valuemax", "1200");

    backend.setMailboxState(id, "importing", null, { done: 1100, total: 1200 });
    await waitFor(() => expect(rowOf("Shop mail")).toHaveTextContent("Importing 1100 of 1200"));

    backend.setMailboxState(id, "polling");
    await waitFor(() => expect(rowOf("Shop mail")).toHaveTextContent("Connected (checking every 60 s)"));
    expect(within(rowOf("Shop mail")!).queryByRole("progressbar")).not.toBeInTheDocument();

    backend.setMailboxState(id, "offline", { problem: "auth", message: "535 5.7.8 Username and Password not accepted" });
    await waitFor(() => expect(rowOf("Shop mail")).toHaveAttribute("data-state", "offline"));
    expect(rowOf("Shop mail")).toHaveTextContent("No connection");
    expect(rowOf("Shop mail")).toHaveTextContent("535 5.7.8 Username and Password not accepted");

    // The mailbox's page says what to check for this kind of problem.
    const user = userEvent.setup();
    await user.click(rowOf("Shop mail")!);
    const error = await screen.findByTestId("mailbox-last-error");
    expect(error).toHaveTextContent("Login or password not accepted");
    expect(error).toHaveTextContent("Server said: 535 5.7.8 Username and Password not accepted");
    expect(error).toHaveTextContent("app password");

    backend.setMailboxState(id, "offline", { problem: "dns", message: "failed to look up imap.nowhere.example" });
    await waitFor(() => expect(screen.getByTestId("mailbox-last-error")).toHaveTextContent("Server not found"));
    expect(screen.getByTestId("mailbox-last-error")).toHaveTextContent("Check the server name");
  });
});

describe("adding a mailbox", () => {
  it("guesses the servers, tests the connection, and adds it", async () => {
    const backend = useMock();
    const guess = vi.spyOn(backend.commands, "guessMailServers");
    const test = vi.spyOn(backend.commands, "testMailbox");
    const add = vi.spyOn(backend.commands, "addMailbox");
    backend.answerNext("guessMailServers", servers("gmail.com"));
    const user = await openMailboxes();
    await user.click(screen.getByTestId("mailbox-add"));

    expect(screen.getByTestId("mailbox-folder")).toHaveValue("INBOX");
    expect(screen.getByTestId("mailbox-import")).toHaveValue("30");
    expect(screen.getByTestId("mailbox-password")).toHaveAttribute("type", "password");
    expect(screen.getByTestId("mailbox-login")).toHaveAttribute("placeholder", "Same as the address");

    await user.type(screen.getByTestId("mailbox-address"), "anna@gmail.com");
    expect(screen.getByTestId("imap-host")).toHaveValue("");
    await user.tab();
    expect(guess).toHaveBeenCalledWith("anna@gmail.com");
    await waitFor(() => expect(screen.getByTestId("imap-host")).toHaveValue("imap.gmail.com"));
    expect(screen.getByTestId("imap-port")).toHaveValue("993");
    expect(screen.getByTestId("imap-security")).toHaveValue("tls");
    expect(screen.getByTestId("smtp-host")).toHaveValue("smtp.gmail.com");
    expect(screen.getByTestId("smtp-port")).toHaveValue("465");
    // The name defaults to the address.
    expect(screen.getByTestId("mailbox-name")).toHaveAttribute("placeholder", "anna@gmail.com");

    await user.type(screen.getByTestId("mailbox-password"), "wrong");
    backend.answerNext("testMailbox", {
      status: "ok",
      data: {
        imap: { problem: "auth", message: "[AUTHENTICATIONFAILED] Invalid credentials (Failure)" },
        smtp: { problem: "auth", message: "535 5.7.8 Username and Password not accepted" },
      },
    });
    await user.click(screen.getByTestId("mailbox-test"));
    const result = await screen.findByTestId("mailbox-test-result");
    expect(test).toHaveBeenLastCalledWith(
      expect.objectContaining({
        address: "anna@gmail.com",
        password: "wrong",
        imap: { host: "imap.gmail.com", port: 993, security: "tls" },
        smtp: { host: "smtp.gmail.com", port: 465, security: "tls" },
      }),
      null,
    );
    expect(result).toHaveAttribute("data-ok", "false");
    const imap = within(result).getByTestId("mailbox-test-imap");
    expect(imap).toHaveAttribute("data-problem", "auth");
    expect(imap).toHaveTextContent("Login or password not accepted");
    expect(imap).toHaveTextContent("Server said: [AUTHENTICATIONFAILED] Invalid credentials (Failure)");
    expect(imap).toHaveTextContent("Many providers (Gmail, Yandex, Mail.ru) need an app password");
    expect(within(result).getByTestId("mailbox-test-smtp")).toHaveAttribute("data-problem", "auth");

    // A changed field makes the old verdict go.
    await user.clear(screen.getByTestId("mailbox-password"));
    expect(screen.queryByTestId("mailbox-test-result")).not.toBeInTheDocument();
    await user.type(screen.getByTestId("mailbox-password"), "app-password-123");
    await user.click(screen.getByTestId("mailbox-test"));
    await waitFor(() => expect(screen.getByTestId("mailbox-test-result")).toHaveAttribute("data-ok", "true"));
    expect(screen.getByTestId("mailbox-test-imap")).toHaveTextContent("Connected");
    expect(screen.getByTestId("mailbox-test-smtp")).toHaveTextContent("Connected");

    await user.selectOptions(screen.getByTestId("mailbox-import"), "none");
    await user.click(screen.getByTestId("mailbox-save"));
    expect(add).toHaveBeenCalledWith({
      name: "anna@gmail.com",
      address: "anna@gmail.com",
      login: null,
      password: "app-password-123",
      imap: { host: "imap.gmail.com", port: 993, security: "tls" },
      smtp: { host: "smtp.gmail.com", port: 465, security: "tls" },
      folder: "INBOX",
      moveTo: null,
      pollIntervalS: 60,
      importDays: 0,
      projectId: null,
    });
    // The new mailbox is in the list and shown, connecting and then connected.
    await waitFor(() => expect(rowOf("anna@gmail.com")).toBeDefined());
    expect(screen.getByTestId("mailbox-detail")).toHaveTextContent("anna@gmail.com");
    await waitFor(() => expect(rowOf("anna@gmail.com")).toHaveAttribute("data-state", "listening"));
    expect(within(rowOf("anna@gmail.com")!).getByTestId("mailbox-state")).toHaveTextContent("Connected");
    expect(mailboxRows()).toHaveLength(2);
  });

  it("imports existing mail with progress after adding", async () => {
    const backend = useMock({ mailImportMs: 400 });
    backend.answerNext("guessMailServers", servers("yandex.ru"));
    const user = await openMailboxes();
    await user.click(screen.getByTestId("mailbox-add"));
    await user.type(screen.getByTestId("mailbox-address"), "sales@yandex.ru");
    await user.tab();
    await waitFor(() => expect(screen.getByTestId("imap-host")).toHaveValue("imap.yandex.ru"));
    await user.type(screen.getByTestId("mailbox-name"), "Sales");
    await user.type(screen.getByTestId("mailbox-password"), "secret");
    await user.selectOptions(screen.getByTestId("mailbox-import"), "90");
    await user.click(screen.getByTestId("mailbox-save"));
    await waitFor(() => expect(rowOf("Sales")).toHaveAttribute("data-state", "importing"));
    await waitFor(() => expect(rowOf("Sales")).toHaveTextContent(/Importing \d+ of 340/));
    await waitFor(() => expect(rowOf("Sales")).toHaveAttribute("data-state", "listening"), { timeout: 2000 });
  });

  it("shows the engine's refusal when the servers do not accept the mailbox", async () => {
    const backend = useMock();
    const add = vi.spyOn(backend.commands, "addMailbox");
    backend.answerNext("guessMailServers", servers("nowhere.example"));
    const user = await openMailboxes();
    await user.click(screen.getByTestId("mailbox-add"));
    await user.type(screen.getByTestId("mailbox-address"), "shop@nowhere.example");
    await user.tab();
    await waitFor(() => expect(screen.getByTestId("imap-host")).toHaveValue("imap.nowhere.example"));
    await user.type(screen.getByTestId("mailbox-password"), "secret");
    backend.failNext("addMailbox", {
      code: "unavailable",
      message: "IMAP: failed to look up imap.nowhere.example: Name or service not known",
    });
    await user.click(screen.getByTestId("mailbox-save"));
    expect(add).toHaveBeenCalled();
    expect(await screen.findByTestId("mailbox-error")).toHaveTextContent(
      "IMAP: failed to look up imap.nowhere.example: Name or service not known",
    );
    expect(mailboxRows()).toHaveLength(1);

    // Without a password the engine says so too.
    await user.clear(screen.getByTestId("mailbox-password"));
    backend.failNext("testMailbox", { code: "invalid_input", message: "the mailbox needs a password" });
    await user.click(screen.getByTestId("mailbox-test"));
    await waitFor(() =>
      expect(screen.getByTestId("mailbox-error")).toHaveTextContent("the mailbox needs a password"),
    );
  });

  it("guesses the servers first when Test connection is pressed straight after the address", async () => {
    const backend = useMock();
    const test = vi.spyOn(backend.commands, "testMailbox");
    // Asked twice: when the address field is left, and by Test connection before the first answer came.
    backend.answerNext("guessMailServers", servers("mail.ru"));
    backend.answerNext("guessMailServers", servers("mail.ru"));
    const user = await openMailboxes();
    await user.click(screen.getByTestId("mailbox-add"));
    await user.type(screen.getByTestId("mailbox-password"), "secret");
    await user.type(screen.getByTestId("mailbox-address"), "shop@mail.ru");
    await user.click(screen.getByTestId("mailbox-test"));
    await waitFor(() => expect(screen.getByTestId("mailbox-test-result")).toHaveAttribute("data-ok", "true"));
    expect(test).toHaveBeenCalledWith(
      expect.objectContaining({
        imap: { host: "imap.mail.ru", port: 993, security: "tls" },
        smtp: { host: "smtp.mail.ru", port: 465, security: "tls" },
      }),
      null,
    );
    expect(screen.getByTestId("imap-host")).toHaveValue("imap.mail.ru");
  });

  it("keeps typed servers, and moves a standard port with the security mode", async () => {
    useMock();
    const user = await openMailboxes();
    await user.click(screen.getByTestId("mailbox-add"));
    await user.type(screen.getByTestId("imap-host"), "mail.shop.example");
    await user.type(screen.getByTestId("mailbox-address"), "me@gmail.com");
    await user.tab();
    // Give a guess the time it would take, then check it did not overwrite.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(screen.getByTestId("imap-host")).toHaveValue("mail.shop.example");

    const imapPort = screen.getByTestId("imap-port");
    await user.selectOptions(screen.getByTestId("imap-security"), "starttls");
    expect(imapPort).toHaveValue("143");
    await user.selectOptions(screen.getByTestId("imap-security"), "tls");
    expect(imapPort).toHaveValue("993");
    await user.clear(imapPort);
    await user.type(imapPort, "1993");
    await user.selectOptions(screen.getByTestId("imap-security"), "starttls");
    expect(imapPort).toHaveValue("1993");

    const smtpPort = screen.getByTestId("smtp-port");
    await user.selectOptions(screen.getByTestId("smtp-security"), "starttls");
    expect(smtpPort).toHaveValue("587");
    await user.selectOptions(screen.getByTestId("smtp-security"), "none");
    expect(smtpPort).toHaveValue("25");
    await user.selectOptions(screen.getByTestId("smtp-security"), "tls");
    expect(smtpPort).toHaveValue("465");
  });
});

describe("editing a mailbox", () => {
  it("keeps the stored password when the field is left empty", async () => {
    const backend = useMock();
    const id = await demoMailboxId();
    const update = vi.spyOn(backend.commands, "updateMailbox");
    const test = vi.spyOn(backend.commands, "testMailbox");
    const user = await openMailboxes();
    await user.click(rowOf("Shop mail")!);
    const detail = await screen.findByTestId("mailbox-detail");
    const password = within(detail).getByTestId("mailbox-password");
    expect(password).toHaveValue("");
    expect(password).toHaveAttribute("placeholder", "Unchanged");
    expect(detail).toHaveTextContent("Leave the password empty to keep the saved one.");
    expect(within(detail).getByTestId("mailbox-address")).toHaveAttribute("readonly");
    expect(within(detail).getByTestId("mailbox-save")).toBeDisabled();

    // Testing with the stored password.
    await user.click(within(detail).getByTestId("mailbox-test"));
    await waitFor(() => expect(within(detail).getByTestId("mailbox-test-result")).toHaveAttribute("data-ok", "true"));
    expect(test).toHaveBeenCalledWith(expect.objectContaining({ password: null }), id);

    const name = within(detail).getByTestId("mailbox-name");
    await user.clear(name);
    await user.type(name, "Support");
    await user.click(within(detail).getByTestId("mailbox-save"));
    expect(update).toHaveBeenCalledWith(id, expect.objectContaining({ name: "Support", password: null }));
    await waitFor(() => expect(rowOf("Support")).toBeDefined());
    expect(await within(detail).findByTestId("mailbox-saved")).toHaveTextContent("Saved");
    expect(within(detail).getByRole("heading", { level: 1 })).toHaveTextContent("Support");
    // The stored password still works: the mailbox connects again.
    await waitFor(() => expect(rowOf("Support")).toHaveAttribute("data-state", "listening"));
  });

  it("sends a new password only when one is typed", async () => {
    const backend = useMock();
    const id = await demoMailboxId();
    const update = vi.spyOn(backend.commands, "updateMailbox");
    const user = await openMailboxes();
    await user.click(rowOf("Shop mail")!);
    const detail = await screen.findByTestId("mailbox-detail");
    await user.type(within(detail).getByTestId("mailbox-password"), "wrong");
    backend.failNext("updateMailbox", {
      code: "unavailable",
      message: "IMAP: [AUTHENTICATIONFAILED] Invalid credentials (Failure)",
    });
    await user.click(within(detail).getByTestId("mailbox-save"));
    expect(update).toHaveBeenCalledWith(id, expect.objectContaining({ password: "wrong" }));
    expect(await within(detail).findByTestId("mailbox-error")).toHaveTextContent(
      "IMAP: [AUTHENTICATIONFAILED] Invalid credentials (Failure)",
    );
  });
});

describe("removing a mailbox", () => {
  it("asks for confirmation first", async () => {
    const backend = useMock();
    const id = await demoMailboxId();
    const remove = vi.spyOn(backend.commands, "removeMailbox");
    const user = await openMailboxes();
    await user.click(rowOf("Shop mail")!);
    const detail = await screen.findByTestId("mailbox-detail");

    await user.click(within(detail).getByTestId("mailbox-remove"));
    expect(remove).not.toHaveBeenCalled();
    expect(detail).toHaveTextContent("Remove “Shop mail”?");
    expect(detail).toHaveTextContent("Conversations stay in the inbox");
    await user.click(within(detail).getByText("Cancel", { selector: ".confirm button" }));
    expect(remove).not.toHaveBeenCalled();
    expect(within(detail).queryByTestId("mailbox-remove-confirm")).not.toBeInTheDocument();

    await user.click(within(detail).getByTestId("mailbox-remove"));
    await user.click(within(detail).getByTestId("mailbox-remove-confirm"));
    expect(remove).toHaveBeenCalledWith(id);
    await waitFor(() => expect(mailboxRows()).toHaveLength(0));
    expect(screen.queryByTestId("mailbox-detail")).not.toBeInTheDocument();
    expect(await screen.findByTestId("mailboxes-empty")).toHaveTextContent("No mailboxes yet");
    expect(backend.size()).toBe(6);
  });
});

describe("in Russian", () => {
  it("names the screen and its actions", async () => {
    useMock();
    await i18n.changeLanguage("ru");
    const user = userEvent.setup();
    render(<App />);
    expect(screen.getByTestId("nav-mailboxes")).toHaveTextContent("Почтовые ящики");
    await user.click(screen.getByTestId("nav-mailboxes"));
    await user.click(screen.getByTestId("mailbox-add"));
    expect(screen.getByTestId("mailbox-test")).toHaveTextContent("Проверить подключение");
    expect(screen.getByTestId("mailbox-save")).toHaveTextContent("Добавить ящик");
    expect(screen.getByTestId("mailbox-password-hint")).toHaveTextContent("пароль приложения");
  });
});
