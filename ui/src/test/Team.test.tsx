import { beforeEach, describe, expect, it } from "vitest";
import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend } from "../api";
import { createMockBackend, type MockBackend } from "../mock";
import App from "../App";

function useMock(): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50, botStartMs: 10 });
  setBackend(backend);
  return backend;
}

async function openTeam() {
  const user = userEvent.setup();
  render(<App />);
  await user.click(screen.getByTestId("nav-settings"));
  const team = await screen.findByTestId("settings-team");
  return { user, team };
}

async function projectWithBot() {
  const project = await api.createProject({ name: "Flower shop", language: "en" });
  await api.connectBot(project.id, { token: "5550001234:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", apiUrl: null });
  return project.id;
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("the team in Settings", () => {
  it("says a bot comes first, then gives the owner's link with its QR code", async () => {
    const backend = useMock();
    const { user, team } = await openTeam();
    await within(team).findByTestId("team-owner-link");
    expect(team).toHaveTextContent("anyone in a work group answers");
    backend.failNext("ownerLink", {
      code: "invalid_input",
      message: "connect a project's bot first: the owner's Telegram is linked through it",
    });
    await user.click(within(team).getByTestId("team-link-owner"));
    expect(await within(team).findByTestId("team-owner-error")).toHaveTextContent("connect a project's bot first");

    await projectWithBot();
    await user.click(within(team).getByTestId("team-link-owner"));
    const url = await within(team).findByTestId("team-owner-url");
    expect(url.textContent).toMatch(/^https:\/\/t\.me\/\w+\?start=own_[A-Za-z0-9]{24}$/);
    expect(within(team).getByTestId("team-owner-qr")).toHaveAttribute("src", expect.stringContaining("data:image/svg+xml"));
    // No invites before there is an owner.
    expect(within(team).queryByTestId("team-invite-form")).not.toBeInTheDocument();
  });

  it("once the owner is linked, invites people with a role, lists who used them and revokes", async () => {
    const backend = useMock();
    await projectWithBot();
    backend.joinTeam("Olga Owner", null);
    const { user, team } = await openTeam();
    expect(await within(team).findByTestId("team-owner")).toHaveTextContent("The owner is Olga Owner");

    await user.selectOptions(within(team).getByTestId("team-invite-role"), "manager");
    await user.clear(within(team).getByTestId("team-invite-uses"));
    await user.type(within(team).getByTestId("team-invite-uses"), "2");
    await user.selectOptions(within(team).getByTestId("team-invite-hours"), "168");
    await user.type(within(team).getByTestId("team-invite-label"), "Evening shift");
    await user.click(within(team).getByTestId("team-invite-create"));
    const created = await within(team).findByTestId("team-invite-created");
    const code = within(created).getByTestId("team-invite-code").textContent!.replace("Code: ", "");
    expect(code).toMatch(/^inv_[A-Za-z0-9]{24}$/);
    expect(within(created).getByTestId("team-invite-url")).toHaveTextContent(`?start=${code}`);
    const [invite] = await api.listInvites();
    expect(invite).toMatchObject({ role: "manager", maxUses: 2, label: "Evening shift", state: "active" });
    expect(invite.expiresAt - invite.createdAt).toBe(168 * 3_600_000);

    // Someone joins with it: the team and the invite show it.
    backend.joinTeam("Oleg", invite.id);
    await waitFor(() => expect(within(team).getAllByTestId("team-person")).toHaveLength(2));
    const row = within(team).getAllByTestId("team-invite")[0];
    await waitFor(() => expect(row).toHaveTextContent("1 of 2 used"));
    expect(row).toHaveTextContent("Oleg");

    // A role changes; a person is removed; an invite is revoked.
    const oleg = within(team).getAllByTestId("team-person")[1];
    expect(oleg).toHaveAttribute("data-role", "manager");
    await user.selectOptions(within(oleg).getByTestId("team-person-role"), "operator");
    await waitFor(() => expect(within(team).getAllByTestId("team-person")[1]).toHaveAttribute("data-role", "operator"));
    await user.click(within(team).getByTestId("team-invite-revoke"));
    await waitFor(() => expect(within(team).getAllByTestId("team-invite")[0]).toHaveAttribute("data-state", "revoked"));
    await user.click(within(within(team).getAllByTestId("team-person")[1]).getByTestId("team-person-remove"));
    await waitFor(() => expect(within(team).getAllByTestId("team-person")).toHaveLength(1));
    expect((await api.listPeople()).map((p) => p.name)).toEqual(["Olga Owner"]);
  });

  it("shows what each role may do from the engine's table", async () => {
    useMock();
    const { team } = await openTeam();
    const table = await within(team).findByTestId("team-rights");
    const rows = within(table).getAllByRole("row");
    const answer = rows.find((r) => r.textContent?.includes("/close and /reopen"))!;
    expect([...answer.querySelectorAll("td")].map((c) => c.dataset.allowed)).toEqual(["true", "true", "true", "false"]);
  });

  it("unlinks the owner after asking, and the owner's link is offered again", async () => {
    const backend = useMock();
    await projectWithBot();
    backend.joinTeam("Olga Owner", null);
    const { user, team } = await openTeam();
    await within(team).findByTestId("team-owner");
    await user.click(within(team).getByTestId("team-owner-unlink"));
    expect(team).toHaveTextContent("anyone in a work group answers customers");
    await user.click(within(team).getByTestId("team-owner-unlink-confirm"));
    await within(team).findByTestId("team-link-owner");
    expect(await api.listPeople()).toEqual([]);
  });
});

describe("the team's alerts in Settings", () => {
  async function withOwner() {
    const backend = useMock();
    await projectWithBot();
    backend.joinTeam("Olga Owner", null);
    return backend;
  }

  it("are offered only once the owner is linked, with what the bot alerts about", async () => {
    const backend = useMock();
    await projectWithBot();
    const first = await openTeam();
    await within(first.team).findByTestId("team-owner-link");
    expect(within(first.team).queryByTestId("team-alerts")).not.toBeInTheDocument();

    backend.joinTeam("Olga Owner", null);
    const alerts = await within(first.team).findByTestId("team-alerts");
    expect(await within(alerts).findByTestId("team-alerts-minutes")).toHaveValue("30");
    expect(alerts).toHaveTextContent("when a channel stops working or is back");
    expect(alerts).toHaveTextContent("takes the bot's rights away");
    expect(alerts).toHaveTextContent("waits for a person longer than");
    expect(within(alerts).getByTestId("team-alerts-hint")).toHaveTextContent("0 means never");
  });

  it("shows the minutes the engine keeps", async () => {
    await withOwner();
    await api.setAlertWaitingMinutes(45);
    const { team } = await openTeam();
    const minutes = await within(team).findByTestId("team-alerts-minutes");
    expect(minutes).toHaveValue("45");
    expect(within(team).getByTestId("team-alerts-save")).toBeDisabled();
  });

  it("saves a new waiting time with Enter, and it is still there when Settings opens again", async () => {
    await withOwner();
    const first = await openTeam();
    const minutes = await within(first.team).findByTestId("team-alerts-minutes");
    await first.user.clear(minutes);
    await first.user.type(minutes, "90{Enter}");
    expect(await within(first.team).findByTestId("team-alerts-saved")).toHaveTextContent("Saved");
    expect(await api.alertWaitingMinutes()).toBe(90);
    expect(minutes).toHaveValue("90");

    // 0 turns the waiting alert off, saved with the button.
    await first.user.clear(minutes);
    await first.user.type(minutes, "0");
    await first.user.click(within(first.team).getByTestId("team-alerts-save"));
    await within(first.team).findByTestId("team-alerts-saved");
    expect(await api.alertWaitingMinutes()).toBe(0);

    cleanup();
    const again = await openTeam();
    expect(await within(again.team).findByTestId("team-alerts-minutes")).toHaveValue("0");
  });

  it("shows the engine's refusal and keeps what was stored", async () => {
    await withOwner();
    const { user, team } = await openTeam();
    const minutes = await within(team).findByTestId("team-alerts-minutes");
    await user.clear(minutes);
    await user.type(minutes, "20000");
    await user.click(within(team).getByTestId("team-alerts-save"));
    expect(await within(team).findByTestId("team-alerts-error")).toHaveTextContent(
      "the waiting time for an alert is at most a week (10080 minutes)",
    );
    expect(within(team).queryByTestId("team-alerts-saved")).not.toBeInTheDocument();
    expect(minutes).toHaveValue("20000");
    expect(await api.alertWaitingMinutes()).toBe(30);
  });

  it("asks for whole minutes before asking the engine", async () => {
    const backend = await withOwner();
    const { user, team } = await openTeam();
    const minutes = await within(team).findByTestId("team-alerts-minutes");
    await user.clear(minutes);
    await user.type(minutes, "ten{Enter}");
    expect(within(team).getByTestId("team-alerts-hint")).toHaveTextContent("Enter a whole number of minutes");
    expect(minutes).toHaveAttribute("aria-invalid", "true");
    expect(await api.alertWaitingMinutes()).toBe(30);

    // A refusal scripted for the next save is shown as the engine says it.
    backend.failNext("setAlertWaitingMinutes", { code: "internal", message: "the database is busy" });
    await user.clear(minutes);
    await user.type(minutes, "15{Enter}");
    expect(await within(team).findByTestId("team-alerts-error")).toHaveTextContent("the database is busy");
    expect(await api.alertWaitingMinutes()).toBe(30);
  });

  it("lists the bot's commands for the team", async () => {
    useMock();
    const { team } = await openTeam();
    const commands = await within(team).findByTestId("team-commands");
    for (const command of ["/take", "/assign @name", "/unassign", "/status", "/stats", "/unanswered", "/invite"]) {
      expect(commands).toHaveTextContent(command);
    }
    expect(commands).toHaveTextContent("/stats — the figures (managers and up)");
  });
});
