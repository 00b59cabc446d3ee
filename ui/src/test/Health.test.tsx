import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend } from "../api";
import { createMockBackend, type MockBackend, type MockOptions } from "../mock";
import App from "../App";

function useMock(options: MockOptions = {}): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50, mailPasswordRefused: true, ...options });
  setBackend(backend);
  return backend;
}

async function openHealth(user: ReturnType<typeof userEvent.setup>) {
  render(<App />);
  await user.click(screen.getByTestId("nav-health"));
  await screen.findByTestId("health-summary");
}

const failedJobs = () => screen.queryAllByTestId("health-failed-job");
const mailbox = () => screen.getAllByTestId("health-account").find((r) => r.dataset.state === "bad_credentials")!;

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("Health", () => {
  it("shows the mailbox whose password was refused, with its error and the fix in words", async () => {
    useMock();
    const user = userEvent.setup();
    await openHealth(user);
    const row = mailbox();
    expect(row).toHaveAttribute("data-ok", "false");
    expect(row).toHaveTextContent("Shop mail");
    expect(within(row).getByTestId("health-account-state")).toHaveTextContent("Bad credentials");
    expect(within(row).getByTestId("health-error")).toHaveTextContent("the password was refused");
    const fix = within(row).getByTestId("health-fix");
    expect(fix).toHaveAttribute("data-fix", "reconnect");
    expect(fix).toHaveTextContent("Enter the current password or token again in Accounts");
    // A connected account is fine and says no fix.
    const ok = screen.getAllByTestId("health-account").find((r) => r.dataset.state === "connected")!;
    expect(ok).toHaveAttribute("data-ok", "true");
    expect(within(ok).queryByTestId("health-fix")).not.toBeInTheDocument();
  });

  it("counts the problems in the summary, and says everything works when nothing is wrong", async () => {
    useMock();
    const user = userEvent.setup();
    await openHealth(user);
    // The mailbox and two failed jobs.
    const summary = screen.getByTestId("health-summary");
    expect(summary).toHaveTextContent("3 things need attention");
    expect(summary).toHaveAttribute("data-problems", "3");
    expect(failedJobs()).toHaveLength(2);

    const health = await api.health();
    for (const job of health.queue.failed) await api.discardJob(job.id);
    await user.click(screen.getByTestId("health-check"));
    await waitFor(() => expect(summary).toHaveTextContent("1 thing needs attention"));
    expect(failedJobs()).toHaveLength(0);
    expect(screen.getByTestId("health-no-failed")).toBeInTheDocument();
  });

  it("says everything works on a healthy engine", async () => {
    useMock({ mailPasswordRefused: false, seed: false });
    const user = userEvent.setup();
    await openHealth(user);
    // No seeded backup either: the one thing to do is take one.
    expect(screen.getByTestId("health-summary")).toHaveTextContent("1 thing needs attention");
    expect(within(screen.getByTestId("health-backup")).getByTestId("health-fix")).toHaveTextContent(
      "Take a backup (Settings → Backups)",
    );
    await api.backUpNow();
    await user.click(screen.getByTestId("health-check"));
    await waitFor(() => expect(screen.getByTestId("health-summary")).toHaveTextContent("Everything works"));
  });

  it("retries a failed reply: the command is called, the reply goes and the job leaves the list", async () => {
    useMock();
    const retry = vi.spyOn(api, "retryJob");
    const user = userEvent.setup();
    await openHealth(user);
    const reply = failedJobs().find((r) => r.dataset.kind === "outbox.send")!;
    expect(reply).toHaveTextContent("Failed: Send a reply");
    expect(within(reply).getByTestId("health-error")).toHaveTextContent("Mailbox unavailable (550)");
    const jobId = Number(reply.dataset.jobId);

    await user.click(within(reply).getByTestId("health-retry"));
    expect(retry).toHaveBeenCalledWith(jobId);
    await waitFor(() => expect(failedJobs()).toHaveLength(1));
    expect(failedJobs()[0]).toHaveAttribute("data-kind", "avito.ingest");
    expect((await api.health()).queue.failed.map((j) => j.id)).not.toContain(jobId);
    expect(screen.getByTestId("health-summary")).toHaveTextContent("2 things need attention");
    retry.mockRestore();
  });

  it("discards a failed job only once confirmed", async () => {
    useMock();
    const discard = vi.spyOn(api, "discardJob");
    const user = userEvent.setup();
    await openHealth(user);
    const job = failedJobs().find((r) => r.dataset.kind === "avito.ingest")!;

    await user.click(within(job).getByTestId("health-discard"));
    const question = within(job).getByRole("alertdialog");
    expect(question).toHaveTextContent("Discard this failed job?");
    expect(discard).not.toHaveBeenCalled();
    // Cancel keeps it.
    await user.click(within(question).getByRole("button", { name: "Cancel" }));
    expect(failedJobs()).toHaveLength(2);

    await user.click(within(job).getByTestId("health-discard"));
    await user.click(within(job).getByTestId("health-discard-confirm"));
    expect(discard).toHaveBeenCalledWith(Number(job.dataset.jobId));
    await waitFor(() => expect(failedJobs()).toHaveLength(1));
    expect(failedJobs()[0]).toHaveAttribute("data-kind", "outbox.send");
    discard.mockRestore();
  });

  it("shows a refused retry the app's usual way and keeps the job", async () => {
    const backend = useMock();
    backend.failNext("retryJob", { code: "conflict", message: "the job is running" });
    const user = userEvent.setup();
    await openHealth(user);
    const job = failedJobs()[0];
    await user.click(within(job).getByTestId("health-retry"));
    expect(await within(job).findByTestId("health-job-error")).toHaveTextContent("the job is running");
    expect(failedJobs()).toHaveLength(2);
  });

  it("follows an account that changes while the screen is open", async () => {
    const backend = useMock();
    const user = userEvent.setup();
    await openHealth(user);
    const id = Number(mailbox().dataset.accountId);
    backend.setMailboxState(id, "listening");
    await waitFor(() => expect(screen.getByTestId("health-summary")).toHaveTextContent("2 things need attention"));
    expect(screen.queryAllByTestId("health-account").some((r) => r.dataset.state === "bad_credentials")).toBe(false);
  });

  it("shows the queue, the services, the database and the last backup", async () => {
    useMock();
    const user = userEvent.setup();
    await openHealth(user);
    expect(screen.getAllByTestId("health-waiting-kind").map((k) => k.textContent)).toEqual([
      "Send a reply: 1",
      "Post to the work group: 2",
    ]);
    expect(screen.getByTestId("health-oldest")).toHaveTextContent("Oldest queued 2 min ago");
    expect(screen.getByTestId("health-held")).toHaveTextContent("Replies held by the outbox guard: 1");
    expect(screen.getByTestId("health-lan-state")).toHaveTextContent("Off");
    expect(screen.getByTestId("health-model-server")).toHaveAttribute("data-ok", "true");
    expect(screen.getByTestId("health-db-intact")).toHaveTextContent("Intact");
    expect(screen.getByTestId("health-backup")).toHaveAttribute("data-ok", "true");
    expect(screen.getByTestId("health-backup-when")).toHaveTextContent(/^Taken /);
    expect(screen.getByTestId("health-checked-at")).toHaveTextContent("Checked just now");
  });

  it("speaks Russian", async () => {
    useMock({ locale: "ru" });
    await i18n.changeLanguage("ru");
    const user = userEvent.setup();
    await openHealth(user);
    expect(screen.getByTestId("nav-health")).toHaveTextContent("Состояние");
    expect(screen.getByTestId("health-summary")).toHaveTextContent("Требуют внимания: 3");
    expect(within(mailbox()).getByTestId("health-fix")).toHaveTextContent(
      "Введите текущий пароль или токен заново в разделе «Аккаунты».",
    );
    expect(within(failedJobs()[0]).getByTestId("health-retry")).toHaveTextContent("Повторить");
    expect(screen.getByTestId("health-check")).toHaveTextContent("Проверить снова");
  });
});
