import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend, type ApiError, type RestoreOutcome, type RestoreStep, type Result } from "../api";
import { createMockBackend, type MockBackend, type MockOptions } from "../mock";
import { formatFull } from "../format";
import App from "../App";

type User = ReturnType<typeof userEvent.setup>;

function useMock(options: MockOptions = {}): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50, backupMs: 60, restoreStepMs: 10, ...options });
  setBackend(backend);
  return backend;
}

async function openBackups(user: User) {
  render(<App />);
  await user.click(screen.getByTestId("nav-settings"));
  const section = await screen.findByTestId("settings-backups");
  await within(section).findByTestId("backups-last");
  return section;
}

/** `restoreBackup` answers only when the test says so; the calls it got. */
function holdRestore(backend: MockBackend) {
  let answer: ((result: Result<null, ApiError>) => void) | null = null;
  const spy = vi.spyOn(backend.commands, "restoreBackup").mockImplementation(
    () =>
      new Promise<Result<null, ApiError>>((resolve) => {
        answer = resolve;
      }),
  );
  return {
    spy,
    resolve: () => answer?.({ status: "ok", data: null }),
  };
}

const progress = (backend: MockBackend, step: RestoreStep) => backend.emitEvent({ type: "restore_progress", step });

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Settings → Backups → Restore", () => {
  it("asks in place before restoring a backup of the list, and Cancel changes nothing", async () => {
    const backend = useMock();
    const restore = vi.spyOn(backend.commands, "restoreBackup");
    const user = userEvent.setup();
    const section = await openBackups(user);
    const backup = (await api.listBackups())[1];
    const row = within(section).getAllByTestId("backups-row")[1];
    expect(within(section).queryByTestId("backups-restore-confirm")).not.toBeInTheDocument();

    await user.click(within(row).getByTestId("backups-restore-row"));
    const confirm = within(row).getByTestId("backups-restore-confirm");
    expect(confirm).toHaveAttribute("role", "alertdialog");
    expect(confirm).toHaveAttribute("data-path", backup.path);
    expect(within(confirm).getByTestId("backups-restore-question")).toHaveTextContent(
      `Restore the backup of ${formatFull(backup.createdAt, "en")} (Daily)?`,
    );
    expect(confirm).toHaveTextContent("starts again");
    expect(confirm).toHaveTextContent("kept aside");
    expect(confirm).toHaveTextContent("nothing is deleted");
    expect(confirm).toHaveTextContent("Messages received after this backup was taken are not in it.");
    expect(confirm).toHaveTextContent("passwords and tokens have to be entered again");
    expect(within(confirm).getByTestId("backups-restore-go")).toHaveTextContent("Restore and restart");
    // Only one backup is asked about at a time.
    expect(within(section).getAllByTestId("backups-restore-confirm")).toHaveLength(1);

    await user.click(within(confirm).getByTestId("backups-restore-cancel"));
    expect(within(section).queryByTestId("backups-restore-confirm")).not.toBeInTheDocument();
    expect(restore).not.toHaveBeenCalled();
    expect(within(section).getAllByTestId("backups-row")).toHaveLength(5);
  });

  it("restores the row's backup and follows its progress; everything waits meanwhile", async () => {
    const backend = useMock();
    const held = holdRestore(backend);
    const user = userEvent.setup();
    const section = await openBackups(user);
    const backup = (await api.listBackups())[2];
    const row = within(section).getAllByTestId("backups-row")[2];
    await user.click(within(row).getByTestId("backups-restore-row"));
    await user.click(within(row).getByTestId("backups-restore-go"));
    expect(held.spy).toHaveBeenCalledTimes(1);
    expect(held.spy).toHaveBeenCalledWith(backup.path);

    const stage = () => within(row).getByTestId("backups-restore-stage");
    const bar = () => within(row).getByRole("progressbar");
    progress(backend, { stage: "copying", done: 45, total: 100 });
    await waitFor(() => expect(stage()).toHaveTextContent("Copying the backup… 45%"));
    expect(bar()).toHaveAttribute("value", "45");
    expect(bar()).toHaveAttribute("max", "100");

    // Nothing else can be started meanwhile.
    expect(within(row).getByTestId("backups-restore-go")).toBeDisabled();
    expect(within(row).getByTestId("backups-restore-cancel")).toBeDisabled();
    for (const button of within(section).getAllByTestId("backups-restore-row")) expect(button).toBeDisabled();
    expect(within(section).getByTestId("backups-restore-file")).toBeDisabled();
    expect(within(section).getByTestId("backups-now")).toBeDisabled();

    progress(backend, { stage: "checking", done: 0, total: 1 });
    await waitFor(() => expect(stage()).toHaveTextContent("Checking the backup…"));
    expect(bar()).not.toHaveAttribute("value");
    progress(backend, { stage: "files", done: 12, total: 40 });
    await waitFor(() => expect(stage()).toHaveTextContent("Bringing back attachments… 12 of 40"));
    expect(within(row).getByTestId("backups-restore-progress")).toHaveAttribute("data-stage", "files");

    held.resolve();
    await waitFor(() => expect(stage()).toHaveTextContent("Starting again…"));
    // The app starts again: the buttons stay disabled.
    expect(within(row).getByTestId("backups-restore-go")).toBeDisabled();
    expect(within(section).queryByTestId("backups-restore-error")).not.toBeInTheDocument();
  });

  it("goes through the demo engine's steps to the restart", async () => {
    useMock({ restoreStepMs: 40 });
    const seen = new Set<string>();
    const user = userEvent.setup();
    const section = await openBackups(user);
    const row = within(section).getAllByTestId("backups-row")[0];
    await user.click(within(row).getByTestId("backups-restore-row"));
    await user.click(within(row).getByTestId("backups-restore-go"));
    await waitFor(
      () => {
        const stage = within(row).getByTestId("backups-restore-progress").dataset.stage ?? "";
        seen.add(stage);
        expect(within(row).getByTestId("backups-restore-stage")).toHaveTextContent("Starting again…");
      },
      { timeout: 3000, interval: 5 },
    );
    expect(seen).toContain("copying");
    expect(seen).toContain("files");
  });

  it("shows a refusal with the engine's words, keeps the list and lets the user try again", async () => {
    const backend = useMock();
    backend.failNext("restoreBackup", {
      code: "invalid_input",
      message: "/backups/tuberry-old.sqlite3 is damaged: database disk image is malformed",
    });
    const user = userEvent.setup();
    const section = await openBackups(user);
    const row = within(section).getAllByTestId("backups-row")[0];
    await user.click(within(row).getByTestId("backups-restore-row"));
    await user.click(within(row).getByTestId("backups-restore-go"));

    const error = await within(row).findByTestId("backups-restore-error");
    expect(error).toHaveAttribute("role", "alert");
    expect(error).toHaveTextContent(
      "Not restored, nothing was changed: /backups/tuberry-old.sqlite3 is damaged: database disk image is malformed",
    );
    expect(within(row).queryByTestId("backups-restore-progress")).not.toBeInTheDocument();
    expect(within(section).getAllByTestId("backups-row")).toHaveLength(5);
    expect(within(section).getByTestId("backups-now")).toBeEnabled();

    // Once more: the demo engine restores it.
    const go = within(row).getByTestId("backups-restore-go");
    expect(go).toBeEnabled();
    await user.click(go);
    expect(within(row).queryByTestId("backups-restore-error")).not.toBeInTheDocument();
    await waitFor(() => expect(within(row).getByTestId("backups-restore-stage")).toHaveTextContent("Starting again…"));
  });

  it("restores from a file: a path is needed, the typed path is asked about and passed on", async () => {
    const backend = useMock();
    const held = holdRestore(backend);
    const user = userEvent.setup();
    const section = await openBackups(user);
    await user.click(within(section).getByTestId("backups-restore-file"));
    const form = within(section).getByTestId("backups-restore-file-form");
    const input = within(form).getByTestId("backups-restore-file-input");
    const next = within(form).getByTestId("backups-restore-file-next");
    expect(input).toHaveFocus();
    expect(next).toBeDisabled();
    await user.type(input, "   {Enter}");
    expect(next).toBeDisabled();
    expect(within(section).queryByTestId("backups-restore-confirm")).not.toBeInTheDocument();

    await user.clear(input);
    await user.type(input, "  /media/usb/tuberry-20261130-040000-daily.sqlite3 ");
    expect(next).toBeEnabled();
    await user.click(next);
    const confirm = within(section).getByTestId("backups-restore-confirm");
    expect(within(confirm).getByTestId("backups-restore-question")).toHaveTextContent(
      "Restore the backup /media/usb/tuberry-20261130-040000-daily.sqlite3?",
    );
    expect(within(section).queryByTestId("backups-restore-file-form")).not.toBeInTheDocument();

    // Cancel goes back to the path as typed.
    await user.click(within(confirm).getByTestId("backups-restore-cancel"));
    expect(within(section).getByTestId("backups-restore-file-input")).toHaveValue(
      "  /media/usb/tuberry-20261130-040000-daily.sqlite3 ",
    );
    expect(held.spy).not.toHaveBeenCalled();

    await user.click(within(section).getByTestId("backups-restore-file-next"));
    await user.click(within(section).getByTestId("backups-restore-go"));
    expect(held.spy).toHaveBeenCalledWith("/media/usb/tuberry-20261130-040000-daily.sqlite3");
  });

  it("says why a file that is not a database is refused", async () => {
    useMock();
    const user = userEvent.setup();
    const section = await openBackups(user);
    await user.click(within(section).getByTestId("backups-restore-file"));
    await user.type(within(section).getByTestId("backups-restore-file-input"), "/x/junk.sqlite3");
    await user.click(within(section).getByTestId("backups-restore-file-next"));
    await user.click(within(section).getByTestId("backups-restore-go"));
    expect(await within(section).findByTestId("backups-restore-error", {}, { timeout: 2000 })).toHaveTextContent(
      "/x/junk.sqlite3 is not a database: file is not a database",
    );
    expect(within(section).getAllByTestId("backups-row")).toHaveLength(5);
    expect(within(section).getByTestId("backups-restore-go")).toBeEnabled();
  });
});

const restoredOutcome: RestoreOutcome = {
  restored: {
    source: "/home/me/.local/share/tuberry/backups/tuberry-20261206-045700-daily.sqlite3",
    restoredAt: Date.UTC(2026, 11, 7, 9, 0, 0),
    keptAside: "/home/me/.local/share/tuberry/tuberry.sqlite3.before-restore-20261207-090000",
    filesCopied: 40,
    accounts: ["@shop_bot (telegram_bot)", "Shop mail (email)"],
    error: null,
  },
  needsSecrets: [
    { accountId: 2, name: "@shop_bot", kind: "telegram_bot" },
    { accountId: 6, name: "Shop mail", kind: "email" },
  ],
};

describe("After a restore, at the top of the window", () => {
  it("says which backup was restored, the accounts needing secrets, and goes away when dismissed", async () => {
    const backend = useMock();
    backend.answerNext("restoreOutcome", { status: "ok", data: restoredOutcome });
    const dismiss = vi.spyOn(backend.commands, "dismissRestoreOutcome");
    const user = userEvent.setup();
    render(<App />);

    const banner = await screen.findByTestId("restore-banner");
    expect(banner).toHaveAttribute("data-outcome", "restored");
    expect(within(banner).getByTestId("restore-banner-text")).toHaveTextContent(
      `Restored the backup of ${formatFull(Date.UTC(2026, 11, 6, 4, 57, 0), "en")}. Attachments brought back: 40. ` +
        "The database it replaced is kept as /home/me/.local/share/tuberry/tuberry.sqlite3.before-restore-20261207-090000.",
    );
    expect(within(banner).getByTestId("restore-banner-secrets")).toHaveTextContent(
      "These accounts need their password, token or a new link on this computer:",
    );
    const accounts = within(banner).getAllByTestId("restore-banner-account");
    expect(accounts.map((a) => a.textContent)).toEqual(["Telegram bot@shop_bot", "E-mailShop mail"]);

    await user.click(within(banner).getByTestId("restore-banner-open-accounts"));
    expect(await screen.findByTestId("accounts-view")).toBeInTheDocument();
    expect(screen.getByTestId("nav-accounts")).toHaveAttribute("aria-current", "page");
    // It stays until dismissed.
    expect(screen.getByTestId("restore-banner")).toBeInTheDocument();

    await user.click(within(banner).getByTestId("restore-banner-dismiss"));
    expect(dismiss).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("restore-banner")).not.toBeInTheDocument();
  });

  it("shows a restore that failed at the start as an alert", async () => {
    const backend = useMock();
    const error = "/backups/tuberry-20261206-045700-daily.sqlite3 is damaged: database disk image is malformed";
    backend.answerNext("restoreOutcome", {
      status: "ok",
      data: { restored: { ...restoredOutcome.restored, keptAside: null, filesCopied: 0, error }, needsSecrets: [] },
    });
    render(<App />);
    const banner = await screen.findByTestId("restore-banner");
    expect(banner).toHaveAttribute("role", "alert");
    expect(banner).toHaveAttribute("data-outcome", "failed");
    expect(banner).toHaveTextContent(`The backup could not be restored; the database was left as it was: ${error}`);
    expect(within(banner).queryByTestId("restore-banner-secrets")).not.toBeInTheDocument();
    expect(banner).not.toHaveTextContent("Restored the backup");
  });

  it("shows nothing when no restore happened", async () => {
    const backend = useMock();
    const outcome = vi.spyOn(backend.commands, "restoreOutcome");
    render(<App />);
    await waitFor(() => expect(outcome).toHaveBeenCalled());
    await screen.findByTestId("nav-settings");
    expect(screen.queryByTestId("restore-banner")).not.toBeInTheDocument();
  });

  it("in the demo engine, answers once until dismissed, in Russian too", async () => {
    useMock({ restored: "ok" });
    await i18n.changeLanguage("ru");
    const user = userEvent.setup();
    render(<App />);
    const banner = await screen.findByTestId("restore-banner");
    expect(banner).toHaveTextContent(/^Восстановлена копия от .+\. Возвращено вложений: 12\. База, которую она заменила/);
    expect(within(banner).getAllByTestId("restore-banner-account").map((a) => a.dataset.kind)).toEqual([
      "telegram_bot",
      "avito",
      "email",
    ]);
    expect(within(banner).getByTestId("restore-banner-dismiss")).toHaveTextContent("Скрыть");
    await user.click(within(banner).getByTestId("restore-banner-dismiss"));
    expect(screen.queryByTestId("restore-banner")).not.toBeInTheDocument();
    await waitFor(async () => expect(await api.restoreOutcome()).toBeNull());
  });
});
