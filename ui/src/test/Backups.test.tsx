import { beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend } from "../api";
import { createMockBackend, type MockBackend, type MockOptions } from "../mock";
import { MOCK_DEFAULT_BACKUP_DIR } from "../mock-backups";
import App from "../App";

function useMock(options: MockOptions = {}): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50, backupMs: 60, ...options });
  setBackend(backend);
  return backend;
}

async function openBackups(user: ReturnType<typeof userEvent.setup>) {
  render(<App />);
  await user.click(screen.getByTestId("nav-settings"));
  const section = await screen.findByTestId("settings-backups");
  await within(section).findByTestId("backups-last");
  return section;
}

async function changeFolder(user: ReturnType<typeof userEvent.setup>, dir: string) {
  await user.click(screen.getByTestId("backups-change"));
  const input = screen.getByTestId("backups-dir-input");
  await user.clear(input);
  await user.type(input, dir);
  await user.click(screen.getByTestId("backups-dir-save"));
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("Settings → Backups", () => {
  it("shows the last backup, the folder, the backups in it (collapsed when many) and how to restore", async () => {
    useMock();
    const user = userEvent.setup();
    const section = await openBackups(user);
    const newest = (await api.listBackups())[0];
    expect(newest.kind).toBe("daily");

    const last = within(section).getByTestId("backups-last");
    expect(last).toHaveTextContent(/^Last backup: .+ · 3\.2 MB · Daily$/);
    expect(within(section).getByTestId("backups-dir")).toHaveTextContent(MOCK_DEFAULT_BACKUP_DIR);
    expect(within(section).getByTestId("backups-dir-default")).toBeInTheDocument();
    expect(within(section).queryByTestId("backups-use-default")).not.toBeInTheDocument();

    // Eight backups: the newest five, then all of them on request.
    expect(within(section).getAllByTestId("backups-row")).toHaveLength(5);
    expect(within(section).getAllByTestId("backups-row")[0]).toHaveAttribute("title", newest.path);
    const more = within(section).getByTestId("backups-show-all");
    expect(more).toHaveTextContent("Show all (8)");
    expect(more).toHaveAttribute("aria-expanded", "false");
    await user.click(more);
    const rows = within(section).getAllByTestId("backups-row");
    expect(rows).toHaveLength(8);
    expect(rows.map((r) => r.dataset.kind)).toEqual([
      "daily",
      "daily",
      "daily",
      "manual",
      "daily",
      "daily",
      "daily",
      "before_migration",
    ]);
    expect(rows[3]).toHaveTextContent("Manual");
    expect(rows[7]).toHaveTextContent("Before an update");
    expect(rows[7].querySelector(".backups-size")).toHaveTextContent(/^\d(\.\d)? MB$/);
    for (const row of rows) expect(within(row).getByTestId("backups-restore-row")).toHaveTextContent("Restore…");
    await user.click(within(section).getByTestId("backups-show-all"));
    expect(within(section).getAllByTestId("backups-row")).toHaveLength(5);

    // Restoring is done here; the command line stays as a hint.
    const restore = within(section).getByTestId("backups-restore");
    expect(restore).toHaveTextContent("Restore from a file…");
    expect(restore).not.toHaveTextContent("cannot restore");
    expect(within(restore).getByTestId("backups-restore-command")).toHaveTextContent("tuberry restore FILE");
  });

  it("says there is no backup yet, and takes the first one on request", async () => {
    useMock({ seed: false });
    const user = userEvent.setup();
    const section = await openBackups(user);
    expect(within(section).getByTestId("backups-last")).toHaveTextContent("No backup yet.");
    expect(within(section).queryByTestId("backups-list")).not.toBeInTheDocument();
    expect(within(section).getByTestId("backups-restore-file")).toBeInTheDocument();

    await user.click(within(section).getByTestId("backups-now"));
    expect(await within(section).findByTestId("backups-taken")).toHaveTextContent("Backed up");
    expect(within(section).getAllByTestId("backups-row")).toHaveLength(1);
    expect(within(section).getByTestId("backups-last")).toHaveTextContent(/^Last backup: just now · .+ · Manual$/);
  });

  it("backs up now: busy while it runs, then the new backup is the last one and first in the list", async () => {
    useMock({ backupMs: 300 });
    const user = userEvent.setup();
    const section = await openBackups(user);
    const button = within(section).getByTestId("backups-now");
    await user.click(button);
    expect(button).toBeDisabled();
    expect(button).toHaveTextContent("Backing up…");

    await waitFor(() => expect(button).toBeEnabled());
    expect(button).toHaveTextContent("Back up now");
    expect(within(section).getByTestId("backups-taken")).toBeInTheDocument();
    const listed = await api.listBackups();
    expect(listed).toHaveLength(9);
    expect(listed[0].kind).toBe("manual");
    const first = within(section).getAllByTestId("backups-row")[0];
    expect(first).toHaveAttribute("data-kind", "manual");
    expect(first).toHaveClass("is-new");
    expect(first).toHaveAttribute("title", listed[0].path);
    expect(within(section).getByTestId("backups-last")).toHaveTextContent(/^Last backup: just now · .+ · Manual$/);
    expect(within(section).getByTestId("backups-show-all")).toHaveTextContent("Show all (9)");
  });

  it("shows a failed backup the app's usual way", async () => {
    const backend = useMock();
    backend.failNext("backUpNow", { code: "internal", message: "the backup could not be checked: disk full" });
    const user = userEvent.setup();
    const section = await openBackups(user);
    await user.click(within(section).getByTestId("backups-now"));
    expect(await within(section).findByTestId("backups-error")).toHaveTextContent("disk full");
    expect(within(section).queryByTestId("backups-taken")).not.toBeInTheDocument();
    expect(await api.listBackups()).toHaveLength(8);
  });

  it("refuses a folder that is not a full path and keeps the old one", async () => {
    useMock();
    const user = userEvent.setup();
    const section = await openBackups(user);
    await changeFolder(user, "backups");
    expect(await within(section).findByTestId("backups-dir-error")).toHaveTextContent(
      "“backups” is not a full path to a folder",
    );
    expect(within(section).getByTestId("backups-dir")).toHaveTextContent(MOCK_DEFAULT_BACKUP_DIR);
    expect(within(section).getByTestId("backups-dir-input")).toHaveValue("backups");
    expect(await api.backupDir()).toBe(MOCK_DEFAULT_BACKUP_DIR);
    expect(within(section).getAllByTestId("backups-row")).toHaveLength(5);

    // Giving up the change puts the refusal away.
    await user.click(within(section).getByTestId("backups-dir-cancel"));
    expect(within(section).queryByTestId("backups-dir-error")).not.toBeInTheDocument();
    expect(within(section).queryByTestId("backups-dir-input")).not.toBeInTheDocument();
  });

  it("shows the engine's refusal of a folder it cannot write to", async () => {
    const backend = useMock();
    backend.failNext("setBackupDir", {
      code: "invalid_input",
      message: "backups cannot be written to “/mnt/ro”: Read-only file system (os error 30)",
    });
    const user = userEvent.setup();
    const section = await openBackups(user);
    await changeFolder(user, "/mnt/ro");
    expect(await within(section).findByTestId("backups-dir-error")).toHaveTextContent("Read-only file system");
    expect(within(section).getByTestId("backups-dir")).toHaveTextContent(MOCK_DEFAULT_BACKUP_DIR);
  });

  it("saves a full path, lists that folder's backups, and goes back with “Use the default”", async () => {
    useMock();
    const user = userEvent.setup();
    const section = await openBackups(user);
    await changeFolder(user, "/media/usb/tuberry");

    await waitFor(() => expect(within(section).getByTestId("backups-dir")).toHaveTextContent("/media/usb/tuberry"));
    expect(await api.backupDir()).toBe("/media/usb/tuberry");
    expect(within(section).getByTestId("backups-dir-saved")).toBeInTheDocument();
    expect(within(section).queryByTestId("backups-dir-input")).not.toBeInTheDocument();
    expect(within(section).queryByTestId("backups-dir-default")).not.toBeInTheDocument();
    // The backups taken so far stay in the old folder.
    await waitFor(() => expect(within(section).getByTestId("backups-last")).toHaveTextContent("No backup yet."));
    expect(within(section).queryByTestId("backups-list")).not.toBeInTheDocument();

    await user.click(within(section).getByTestId("backups-now"));
    await within(section).findByTestId("backups-taken");
    const row = within(section).getByTestId("backups-row");
    expect(row.getAttribute("title")).toMatch(/^\/media\/usb\/tuberry\/tuberry-\d{8}-\d{6}-manual\.sqlite3$/);

    await user.click(within(section).getByTestId("backups-use-default"));
    await waitFor(() => expect(within(section).getByTestId("backups-dir")).toHaveTextContent(MOCK_DEFAULT_BACKUP_DIR));
    expect(await api.backupDir()).toBe(MOCK_DEFAULT_BACKUP_DIR);
    expect(within(section).getByTestId("backups-dir-default")).toBeInTheDocument();
    expect(within(section).queryByTestId("backups-use-default")).not.toBeInTheDocument();
    await waitFor(() => expect(within(section).getAllByTestId("backups-row")).toHaveLength(5));
    expect(within(section).getByTestId("backups-show-all")).toHaveTextContent("Show all (8)");
  });

  it("speaks Russian", async () => {
    useMock();
    await i18n.changeLanguage("ru");
    const user = userEvent.setup();
    const section = await openBackups(user);
    expect(within(section).getByRole("heading", { name: "Резервные копии" })).toBeInTheDocument();
    expect(within(section).getByTestId("backups-last")).toHaveTextContent(/^Последняя копия: .+ · 3,2 МБ · Ежедневная$/);
    expect(within(section).getByTestId("backups-now")).toHaveTextContent("Сделать копию сейчас");
  });
});
