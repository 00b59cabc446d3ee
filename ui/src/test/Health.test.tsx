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
const guardrail = (kind: string) => screen.getAllByTestId("health-guardrail").find((r) => r.dataset.kind === kind)!;
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

  it("shows the guardrails of the last 24 hours, the crossed one marked with what to do", async () => {
    useMock();
    const user = userEvent.setup();
    await openHealth(user);
    const section = screen.getByTestId("health-guardrails");
    expect(section).toHaveTextContent("Last 24 hours");
    expect(within(section).getAllByTestId("health-guardrail").map((r) => r.dataset.kind)).toEqual([
      "no_sender",
      "failed_replies",
      "late_mirrors",
      "handovers",
    ]);

    const failed = guardrail("failed_replies");
    expect(failed).toHaveAttribute("data-ok", "false");
    expect(failed).toHaveClass("is-problem");
    expect(failed).toHaveTextContent("Replies that failed");
    expect(within(failed).getByTestId("health-guardrail-ratio")).toHaveTextContent("3 of 40 (7.5 %)");
    expect(within(failed).getByTestId("health-guardrail-threshold")).toHaveTextContent("threshold 1 %");
    expect(within(failed).getByTestId("health-fix")).toHaveTextContent(
      "What to do: Retry or discard them in the queue above; if it repeats, reconnect the account.",
    );

    const late = guardrail("late_mirrors");
    expect(late).toHaveAttribute("data-ok", "true");
    expect(late).toHaveTextContent("Mirrors into the work group later than a minute");
    expect(within(late).getByTestId("health-guardrail-ratio")).toHaveTextContent("1 of 38 (2.6 %)");
    expect(within(late).getByTestId("health-guardrail-threshold")).toHaveTextContent("threshold 5 %");
    expect(within(late).queryByTestId("health-fix")).not.toBeInTheDocument();
    expect(within(guardrail("no_sender")).getByTestId("health-guardrail-ratio")).toHaveTextContent("0 of 57 (0.0 %)");

    // No events at all: nothing to say yet, and nothing wrong.
    const handovers = guardrail("handovers");
    expect(handovers).toHaveAttribute("data-ok", "true");
    expect(within(handovers).getByTestId("health-guardrail-ratio")).toHaveTextContent("no events yet");
    expect(within(handovers).getByTestId("health-guardrail-threshold")).toHaveTextContent("threshold 35 %");
  });

  it("counts a null ratio and threshold as 0 and advises on every crossed guardrail", async () => {
    useMock();
    const health = api.health;
    const spy = vi.spyOn(api, "health").mockImplementation(async () => {
      const report = await health();
      const guardrails = report.guardrails.map((g) =>
        g.kind === "no_sender"
          ? { ...g, events: 2, total: 12, ratio: null, threshold: null, crossed: true }
          : g.kind === "handovers"
            ? { ...g, events: 9, total: 20, ratio: 0.45, crossed: true }
            : g,
      );
      return { ...report, guardrails };
    });
    const user = userEvent.setup();
    await openHealth(user);
    const noSender = guardrail("no_sender");
    expect(noSender).toHaveAttribute("data-ok", "false");
    expect(within(noSender).getByTestId("health-guardrail-ratio")).toHaveTextContent("2 of 12 (0.0 %)");
    expect(within(noSender).getByTestId("health-guardrail-threshold")).toHaveTextContent("threshold 0 %");
    expect(within(noSender).getByTestId("health-fix")).toHaveTextContent(
      "A channel sends events Tuberry cannot attribute to a customer; check the channel's account and the logs.",
    );
    expect(within(guardrail("handovers")).getByTestId("health-fix")).toHaveTextContent(
      "The assistant lacks answers: fill the catalogue and the persona.",
    );
    expect(within(guardrail("handovers")).getByTestId("health-guardrail-ratio")).toHaveTextContent("9 of 20 (45.0 %)");
    spy.mockRestore();
  });

  it("makes a support bundle, with the button off while it works, and says where it was saved", async () => {
    useMock();
    let finish: (path: string) => void = () => {};
    const bundle = vi
      .spyOn(api, "supportBundle")
      .mockImplementation(() => new Promise<string>((resolve) => (finish = resolve)));
    const user = userEvent.setup();
    await openHealth(user);
    expect(screen.getByTestId("health-bundle")).toHaveTextContent(
      "A zip with this report, the settings and the last logs; passwords and tokens are blacked out.",
    );
    const button = screen.getByTestId("health-bundle-make");
    expect(button).toHaveTextContent("Make a support bundle");
    expect(button).toBeEnabled();

    await user.click(button);
    expect(bundle).toHaveBeenCalledWith(null);
    expect(button).toBeDisabled();
    expect(screen.queryByTestId("health-bundle-saved")).not.toBeInTheDocument();

    finish("/home/demo/Downloads/tuberry-support-2026-12-06-2130.zip");
    expect(await screen.findByTestId("health-bundle-saved")).toHaveTextContent(
      "Saved: /home/demo/Downloads/tuberry-support-2026-12-06-2130.zip",
    );
    expect(button).toBeEnabled();
    bundle.mockRestore();
  });

  it("saves the demo engine's support bundle in Downloads", async () => {
    useMock();
    const user = userEvent.setup();
    await openHealth(user);
    await user.click(screen.getByTestId("health-bundle-make"));
    expect(await screen.findByTestId("health-bundle-saved")).toHaveTextContent(
      /^Saved: \/home\/demo\/Downloads\/tuberry-support-\d{4}-\d{2}-\d{2}-\d{4}\.zipShow in folder$/,
    );
  });

  it("shows the saved bundle in its folder", async () => {
    useMock();
    const show = vi.spyOn(api, "showSavedFile");
    const user = userEvent.setup();
    await openHealth(user);
    await user.click(screen.getByTestId("health-bundle-make"));
    const saved = await screen.findByTestId("health-bundle-saved");
    const path = saved.textContent?.match(/\/home\S+\.zip/)?.[0];
    await user.click(within(saved).getByTestId("health-bundle-saved-show"));
    expect(show).toHaveBeenCalledWith(path);
    expect(screen.queryByTestId("health-bundle-saved-show-error")).not.toBeInTheDocument();
    show.mockRestore();
  });

  it("says why a folder cannot be shown", async () => {
    const backend = useMock();
    backend.failNext("showSavedFile", { code: "unavailable", message: "no file manager to open /home/demo/Downloads with" });
    const user = userEvent.setup();
    await openHealth(user);
    await user.click(screen.getByTestId("health-bundle-make"));
    await user.click(await screen.findByTestId("health-bundle-saved-show"));
    expect(await screen.findByTestId("health-bundle-saved-show-error")).toHaveTextContent("no file manager");
  });

  it("shows a support bundle that could not be made the app's usual way", async () => {
    const backend = useMock();
    backend.failNext("supportBundle", { code: "unavailable", message: "the Downloads folder is not writable" });
    const user = userEvent.setup();
    await openHealth(user);
    await user.click(screen.getByTestId("health-bundle-make"));
    expect(await screen.findByTestId("health-bundle-error")).toHaveTextContent("the Downloads folder is not writable");
    expect(screen.queryByTestId("health-bundle-saved")).not.toBeInTheDocument();
    expect(screen.getByTestId("health-bundle-make")).toBeEnabled();
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

    expect(screen.getByTestId("health-guardrails")).toHaveTextContent("За последние 24 часа");
    const failed = guardrail("failed_replies");
    expect(failed).toHaveTextContent("Ответы, которые не ушли");
    expect(within(failed).getByTestId("health-guardrail-ratio")).toHaveTextContent("3 из 40 (7,5 %)");
    expect(within(failed).getByTestId("health-guardrail-threshold")).toHaveTextContent("порог 1 %");
    expect(within(failed).getByTestId("health-fix")).toHaveTextContent(
      "Повторите или отмените их в очереди выше; если повторяется — переподключите аккаунт.",
    );
    expect(within(guardrail("handovers")).getByTestId("health-guardrail-ratio")).toHaveTextContent("событий пока нет");

    const button = screen.getByTestId("health-bundle-make");
    expect(button).toHaveTextContent("Собрать архив для поддержки");
    expect(screen.getByTestId("health-bundle")).toHaveTextContent(
      "Zip-архив с этим отчётом, настройками и последними журналами; пароли и токены вычеркнуты.",
    );
    await user.click(button);
    expect(await screen.findByTestId("health-bundle-saved")).toHaveTextContent(
      /^Сохранено: \/home\/demo\/Загрузки\/tuberry-support-[\d-]+\.zipПоказать в папке$/,
    );
  });
});
