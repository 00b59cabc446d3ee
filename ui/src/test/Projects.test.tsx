import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend } from "../api";
import { createMockBackend, type MockBackend, type MockOptions } from "../mock";
import App from "../App";

const VALID_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

function useMock(options: MockOptions = {}): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50, botStartMs: 40, ...options });
  setBackend(backend);
  return backend;
}

const projectRows = () => screen.queryAllByTestId("project-row");

async function openProjects() {
  const user = userEvent.setup();
  render(<App />);
  await user.click(screen.getByTestId("nav-projects"));
  await screen.findByTestId("projects-view");
  return user;
}

/** A project with a connected, online bot, made through the engine's commands. */
async function projectWithBot(name = "Shop") {
  const project = await api.createProject({ name, language: "en" });
  await api.connectBot(project.id, { token: VALID_TOKEN, apiUrl: null });
  return project;
}

async function showProject(user: ReturnType<typeof userEvent.setup>, name: string) {
  await waitFor(() => expect(projectRows().some((r) => r.textContent?.includes(name))).toBe(true));
  await user.click(projectRows().find((r) => r.textContent?.includes(name))!);
  return screen.findByTestId("project-detail");
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("navigation", () => {
  it("switches between the inbox and the projects", async () => {
    useMock();
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(screen.getAllByTestId("conversation-row")).toHaveLength(6));
    expect(screen.getByTestId("nav-inbox")).toHaveAttribute("aria-current", "page");
    expect(screen.getByTestId("nav-projects")).not.toHaveAttribute("aria-current");

    await user.click(screen.getByTestId("nav-projects"));
    expect(screen.getByTestId("nav-projects")).toHaveAttribute("aria-current", "page");
    expect(screen.getByTestId("nav-inbox")).not.toHaveAttribute("aria-current");
    expect(screen.queryByTestId("conversation-list")).not.toBeInTheDocument();
    const empty = await screen.findByTestId("projects-empty");
    expect(empty).toHaveTextContent("A project is your team's workspace in Telegram");

    await user.click(screen.getByTestId("nav-inbox"));
    await waitFor(() => expect(screen.getAllByTestId("conversation-row")).toHaveLength(6));
    expect(screen.queryByTestId("projects-view")).not.toBeInTheDocument();
  });
});

describe("projects", () => {
  it("creates a project and shows it in the list", async () => {
    const backend = useMock();
    const create = vi.spyOn(backend.commands, "createProject");
    const user = await openProjects();
    await screen.findByTestId("projects-empty");

    await user.click(screen.getByTestId("project-new"));
    expect(screen.getByTestId("project-language")).toHaveValue("en");
    expect(screen.getByTestId("project-save")).toBeDisabled();
    await user.type(screen.getByTestId("project-name-input"), "Furniture shop");
    await user.selectOptions(screen.getByTestId("project-language"), "ru");
    await user.click(screen.getByTestId("project-save"));

    expect(create).toHaveBeenCalledWith({ name: "Furniture shop", language: "ru" });
    await waitFor(() => expect(projectRows()).toHaveLength(1));
    const row = projectRows()[0];
    expect(row).toHaveTextContent("Furniture shop");
    expect(row).toHaveTextContent("no bot");
    expect(within(row).getByTestId("project-readiness")).toHaveAttribute("data-readiness", "no_bot");
    expect(row).toHaveAttribute("aria-current", "true");
    const detail = screen.getByTestId("project-detail");
    expect(detail).toHaveAttribute("data-project-id", row.dataset.projectId);
    expect(within(detail).getByTestId("project-name-input")).toHaveValue("Furniture shop");
    expect(within(detail).getByTestId("project-language")).toHaveValue("ru");
    expect(within(detail).getByTestId("work-group")).toHaveTextContent("Connect a bot first");
    expect(screen.queryByTestId("projects-empty")).not.toBeInTheDocument();
  });

  it("uses the interface's language for a new project's bot", async () => {
    useMock();
    await i18n.changeLanguage("ru");
    const user = await openProjects();
    await user.click(screen.getByTestId("project-new"));
    expect(screen.getByTestId("project-language")).toHaveValue("ru");
    expect(screen.getByTestId("project-save")).toHaveTextContent("Создать проект");
  });

  it("shows the engine's refusal next to the form", async () => {
    const backend = useMock();
    backend.failNext("createProject", { code: "invalid_input", message: "a project's name is at most 80 characters" });
    const user = await openProjects();
    await user.click(screen.getByTestId("project-new"));
    await user.type(screen.getByTestId("project-name-input"), "Shop");
    await user.click(screen.getByTestId("project-save"));
    expect(await screen.findByTestId("project-error")).toHaveTextContent("a project's name is at most 80 characters");
    expect(projectRows()).toHaveLength(0);
  });

  it("renames a project", async () => {
    const backend = useMock();
    await api.createProject({ name: "Shop", language: "en" });
    const update = vi.spyOn(backend.commands, "updateProject");
    const user = await openProjects();
    const detail = await showProject(user, "Shop");
    const save = within(detail).getByTestId("project-save");
    expect(save).toBeDisabled();
    const name = within(detail).getByTestId("project-name-input");
    await user.clear(name);
    await user.type(name, "Bike shop");
    await user.click(save);
    expect(update).toHaveBeenCalledWith(Number(detail.dataset.projectId), { name: "Bike shop", language: "en" });
    await waitFor(() => expect(projectRows()[0]).toHaveTextContent("Bike shop"));
    expect(within(detail).getByRole("heading", { level: 1 })).toHaveTextContent("Bike shop");
  });

  it("deletes a project after an inline confirmation; its conversations stay", async () => {
    const backend = useMock();
    const confirm = vi.spyOn(window, "confirm");
    await api.createProject({ name: "Shop", language: "en" });
    const remove = vi.spyOn(backend.commands, "deleteProject");
    const user = await openProjects();
    const detail = await showProject(user, "Shop");

    await user.click(within(detail).getByTestId("project-delete"));
    expect(remove).not.toHaveBeenCalled();
    expect(detail).toHaveTextContent("Conversations stay in the inbox");
    await user.click(within(detail).getByTestId("project-delete-confirm"));

    expect(remove).toHaveBeenCalledWith(Number(detail.dataset.projectId));
    await waitFor(() => expect(projectRows()).toHaveLength(0));
    expect(screen.queryByTestId("project-detail")).not.toBeInTheDocument();
    expect(await screen.findByTestId("projects-empty")).toBeInTheDocument();
    expect(confirm).not.toHaveBeenCalled();
    expect(backend.size()).toBe(6);
  });

  it("returns to the list when the shown project is deleted elsewhere", async () => {
    useMock();
    const project = await api.createProject({ name: "Shop", language: "en" });
    await api.createProject({ name: "Other", language: "en" });
    const user = await openProjects();
    await showProject(user, "Shop");
    await api.deleteProject(project.id);
    await waitFor(() => expect(screen.queryByTestId("project-detail")).not.toBeInTheDocument());
    expect(projectRows().map((r) => r.textContent)).toEqual([expect.stringContaining("Other")]);
  });
});

describe("live updates", () => {
  it("reads the projects and the accounts again on resync", async () => {
    const backend = useMock();
    await api.createProject({ name: "Shop", language: "en" });
    const user = await openProjects();
    await showProject(user, "Shop");
    const projects = vi.spyOn(backend.commands, "listProjects");
    const accounts = vi.spyOn(backend.commands, "listChannelAccounts");
    backend.emitEvent({ type: "resync" });
    await waitFor(() => expect(projects).toHaveBeenCalled());
    expect(accounts).toHaveBeenCalled();
    expect(screen.getByTestId("project-detail")).toBeInTheDocument();
  });
});

describe("bot", () => {
  it("shows the engine's refusal of a malformed token, and connects a valid one", async () => {
    const backend = useMock();
    const connect = vi.spyOn(backend.commands, "connectBot");
    await api.createProject({ name: "Shop", language: "en" });
    const user = await openProjects();
    const detail = await showProject(user, "Shop");
    const section = within(detail).getByTestId("bot-section");

    const token = within(section).getByTestId("bot-token-input");
    expect(token).toHaveAttribute("type", "password");
    expect(within(section).getByTestId("bot-api-url-input")).toHaveAttribute("placeholder", "https://api.telegram.org");
    expect(within(section).getByTestId("bot-connect")).toBeDisabled();

    await user.type(token, "not a token");
    backend.failNext("connectBot", {
      code: "invalid_input",
      message: "this does not look like a bot token: copy the whole token @BotFather gave, like 123456789:AAH…",
    });
    await user.click(within(section).getByTestId("bot-connect"));
    expect(await within(section).findByTestId("bot-error")).toHaveTextContent("this does not look like a bot token");
    expect(within(section).queryByTestId("bot-username")).not.toBeInTheDocument();

    await user.clear(token);
    await user.type(token, VALID_TOKEN);
    await user.click(within(section).getByTestId("bot-connect"));
    expect(connect).toHaveBeenLastCalledWith(Number(detail.dataset.projectId), {
      token: VALID_TOKEN,
      apiUrl: null,
      proxy: null,
    });
    expect(await within(section).findByTestId("bot-username")).toHaveTextContent("@demo_shop_bot");
    expect(within(section).queryByTestId("bot-token-input")).not.toBeInTheDocument();
    expect(within(section).queryByTestId("bot-error")).not.toBeInTheDocument();
    // The token is shown nowhere.
    expect(document.body.textContent).not.toContain(VALID_TOKEN);
    // The bot comes online through the engine's event.
    await waitFor(() => expect(within(section).getByTestId("bot-state")).toHaveAttribute("data-state", "online"));
    expect(projectRows()[0]).toHaveTextContent("@demo_shop_bot");
    expect(within(detail).getByTestId("work-group-waiting")).toHaveTextContent(
      "Waiting for @demo_shop_bot to be added to a group",
    );
    expect(within(detail).getByTestId("work-group")).toHaveTextContent("Add @demo_shop_bot to the group");
    // The bot is a source of its project, always.
    const own = within(detail)
      .getAllByTestId("source-checkbox")
      .find((c) => c.closest("label")?.textContent?.includes("@demo_shop_bot"))!;
    expect(own).toBeChecked();
    expect(own).toBeDisabled();
  });

  it("passes an own Bot API server and shows progress while connecting", async () => {
    const backend = useMock();
    let finish: () => void = () => undefined;
    const real = backend.commands.connectBot;
    const connect = vi.spyOn(backend.commands, "connectBot").mockImplementation(
      (projectId, bot) => new Promise((resolve) => (finish = () => resolve(real(projectId, bot)))),
    );
    await api.createProject({ name: "Shop", language: "en" });
    const user = await openProjects();
    const detail = await showProject(user, "Shop");
    await user.type(within(detail).getByTestId("bot-token-input"), VALID_TOKEN);
    await user.type(within(detail).getByTestId("bot-api-url-input"), "https://bots.example.com/");
    await user.click(within(detail).getByTestId("bot-connect"));
    expect(connect).toHaveBeenCalledWith(expect.any(Number), {
      token: VALID_TOKEN,
      apiUrl: "https://bots.example.com/",
      proxy: null,
    });
    const button = within(detail).getByTestId("bot-connect");
    expect(button).toBeDisabled();
    expect(button).toHaveTextContent("Connecting…");
    finish();
    expect(await within(detail).findByTestId("bot-username")).toHaveTextContent("@demo_shop_bot");
    expect(within(detail).getByTestId("bot-section")).toHaveTextContent("Bot API server: https://bots.example.com");
  });

  it("asks for a public address to use a webhook and explains what it needs", async () => {
    const backend = useMock();
    const project = await projectWithBot();
    const webhook = vi.spyOn(backend.commands, "setBotWebhook");
    const user = await openProjects();
    const detail = await showProject(user, "Shop");
    const section = within(detail).getByTestId("bot-webhook");
    await user.click(within(section).getByText("Webhook (advanced)"));
    await user.type(within(section).getByTestId("bot-webhook-input"), "https://shop.example.com:8443/");
    backend.failNext("setBotWebhook", {
      code: "invalid_input",
      message: "webhook mode needs the LAN endpoint: set [http] listen in settings.toml and restart",
    });
    await user.click(within(section).getByTestId("bot-webhook-on"));
    expect(webhook).toHaveBeenCalledWith(project.id, "https://shop.example.com:8443/");
    expect(await within(section).findByTestId("bot-webhook-error")).toHaveTextContent("LAN endpoint");
  });

  it("says what each bot state means", async () => {
    const backend = useMock();
    const project = await projectWithBot();
    const user = await openProjects();
    const detail = await showProject(user, "Shop");
    const state = () => within(detail).getByTestId("bot-state");

    backend.setBotState(project.id, "conflict", "Conflict: terminated by other getUpdates request");
    await waitFor(() => expect(state()).toHaveAttribute("data-state", "conflict"));
    expect(within(detail).getByTestId("bot-section")).toHaveTextContent("Another program uses this bot");
    expect(within(detail).getByTestId("bot-last-error")).toHaveTextContent("terminated by other getUpdates request");
    expect(within(projectRows()[0]).getByTestId("project-readiness")).toHaveAttribute("data-readiness", "bot_issue");

    backend.setBotState(project.id, "offline", "network unreachable");
    await waitFor(() => expect(state()).toHaveAttribute("data-state", "offline"));
    expect(within(detail).getByTestId("bot-last-error")).toHaveTextContent("network unreachable");

    backend.setBotState(project.id, "unauthorized", "Unauthorized");
    await waitFor(() => expect(state()).toHaveAttribute("data-state", "unauthorized"));
    expect(within(detail).getByTestId("bot-section")).toHaveTextContent("Connect again with a new token");
    // A new token can be given right there.
    expect(within(detail).getByTestId("bot-token-input")).toBeInTheDocument();
  });

  it("disconnects the bot", async () => {
    const backend = useMock();
    await projectWithBot();
    const disconnect = vi.spyOn(backend.commands, "disconnectBot");
    const user = await openProjects();
    const detail = await showProject(user, "Shop");
    await user.click(await within(detail).findByTestId("bot-disconnect"));
    expect(disconnect).toHaveBeenCalledTimes(1);
    expect(await within(detail).findByTestId("bot-token-input")).toHaveValue("");
    expect(within(detail).queryByTestId("bot-username")).not.toBeInTheDocument();
    await waitFor(() => expect(projectRows()[0]).toHaveTextContent("no bot"));
  });
});

describe("work group", () => {
  it("lists what is missing, one fix per problem, and re-checks", async () => {
    const backend = useMock();
    const project = await projectWithBot();
    const user = await openProjects();
    const detail = await showProject(user, "Shop");
    const group = within(detail).getByTestId("work-group");
    await within(group).findByTestId("work-group-waiting");

    // The engine finds the group when the bot is added to it.
    backend.bindWorkGroup(project.id, "Shop team", { missing: ["topics_disabled", "cannot_manage_topics"] });
    const missing = await within(group).findByTestId("work-group-missing");
    expect(within(group).getByTestId("work-group-title")).toHaveTextContent("Shop team");
    expect(within(group).queryByTestId("work-group-waiting")).not.toBeInTheDocument();
    const items = missing.querySelectorAll("li[data-problem]");
    expect([...items].map((li) => li.getAttribute("data-problem"))).toEqual([
      "topics_disabled",
      "cannot_manage_topics",
    ]);
    expect(items[0]).toHaveTextContent("turn on Topics");
    expect(items[1]).toHaveTextContent("turn on “Manage topics”");
    expect(items[1]).toHaveTextContent("@demo_shop_bot");
    expect(within(group).getByTestId("work-group-checked-at")).toHaveTextContent("Last checked");
    expect(within(projectRows()[0]).getByTestId("project-readiness")).toHaveAttribute("data-readiness", "group_issue");

    const check = vi.spyOn(backend.commands, "checkWorkGroup");
    await user.click(within(group).getByTestId("work-group-check"));
    expect(check).toHaveBeenCalledWith(project.id);
    expect(await within(group).findByTestId("work-group-ready")).toHaveTextContent(
      "Conversations appear as topics in this group",
    );
    expect(within(group).queryByTestId("work-group-missing")).not.toBeInTheDocument();
    await waitFor(() =>
      expect(within(projectRows()[0]).getByTestId("project-readiness")).toHaveAttribute("data-readiness", "ready"),
    );
  });

  it("names every problem the engine can report, with Telegram's answer when it did not answer", async () => {
    const backend = useMock();
    const project = await projectWithBot();
    backend.bindWorkGroup(project.id, "Team", { missing: ["bot_not_member", "not_admin"] });
    const user = await openProjects();
    const detail = await showProject(user, "Shop");
    const problems = () =>
      [...within(detail).getByTestId("work-group-missing").querySelectorAll("li")].map((li) => li.dataset.problem);
    await waitFor(() => expect(problems()).toEqual(["bot_not_member", "not_admin"]));
    expect(within(detail).getByTestId("work-group-missing")).toHaveTextContent("Add @demo_shop_bot to the group again");
    expect(within(detail).getByTestId("work-group-missing")).toHaveTextContent("make it an administrator");

    backend.bindWorkGroup(project.id, "Team", { missing: ["unreachable"], error: "network timeout" });
    await waitFor(() => expect(problems()).toEqual(["unreachable"]));
    const item = within(detail).getByTestId("work-group-missing").querySelector("li")!;
    expect(item).toHaveTextContent("Telegram did not answer");
    expect(item).toHaveTextContent("network timeout");
  });

  it("unbinds the group and waits for another one", async () => {
    const backend = useMock();
    const project = await projectWithBot();
    backend.bindWorkGroup(project.id, "Team");
    const user = await openProjects();
    const detail = await showProject(user, "Shop");
    await within(detail).findByTestId("work-group-ready");
    await user.click(within(detail).getByTestId("work-group-unbind"));
    expect(await within(detail).findByTestId("work-group-waiting")).toBeInTheDocument();
    expect(within(detail).queryByTestId("work-group-title")).not.toBeInTheDocument();
  });
});

describe("sources", () => {
  it("toggles a channel account with setProjectSources", async () => {
    const backend = useMock();
    const project = await api.createProject({ name: "Shop", language: "en" });
    const other = await api.createProject({ name: "Avito store", language: "en" });
    await api.setProjectSources(other.id, [4]);
    const setSources = vi.spyOn(backend.commands, "setProjectSources");
    const user = await openProjects();
    const detail = await showProject(user, "Shop");
    const sources = within(detail).getByTestId("sources");
    const box = (id: number) =>
      within(sources)
        .getAllByTestId("source-checkbox")
        .find((c) => c.dataset.accountId === String(id))!;

    const testChat = box(1);
    expect(testChat.closest("label")).toHaveTextContent("Test chat");
    expect(testChat).not.toBeChecked();
    await user.click(testChat);
    expect(setSources).toHaveBeenLastCalledWith(project.id, [1]);
    await waitFor(() => expect(box(1)).toBeChecked());

    // An account of another project says so, and can be moved here.
    const avito = box(4);
    expect(avito.closest("label")).toHaveTextContent("Now in “Avito store”");
    expect(avito).toBeEnabled();
    await user.click(avito);
    expect(setSources).toHaveBeenLastCalledWith(project.id, [1, 4]);
    await waitFor(() => expect(box(4)).toBeChecked());
    expect(box(4).closest("label")).not.toHaveTextContent("Avito store");

    await user.click(box(1));
    expect(setSources).toHaveBeenLastCalledWith(project.id, [4]);
    await waitFor(() => expect(box(1)).not.toBeChecked());
    expect((await api.listProjects()).find((p) => p.id === project.id)?.sources.map((a) => a.id)).toEqual([4]);
  });
});

describe("notes", () => {
  it("shows the team's notes in the contact panel, and only when there are some", async () => {
    useMock();
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(screen.getAllByTestId("conversation-row")).toHaveLength(6));
    const row = (name: string) => screen.getAllByTestId("conversation-row").find((r) => r.textContent?.includes(name))!;

    await user.click(row("Elena Krylova"));
    await waitFor(() => expect(screen.getByTestId("thread")).toHaveTextContent("Elena Krylova"));
    const notes = within(screen.getByTestId("contact-panel")).getAllByTestId("note");
    expect(notes).toHaveLength(1);
    expect(notes[0]).toHaveTextContent("Olga");
    expect(notes[0]).toHaveTextContent("Offer a replacement cup");
    expect(notes[0].querySelector("time")).toHaveAttribute("dateTime");

    await user.click(row("Maria Sokolova"));
    await waitFor(() => expect(screen.getByTestId("thread")).toHaveTextContent("Maria Sokolova"));
    expect(within(screen.getByTestId("contact-panel")).queryByTestId("note")).not.toBeInTheDocument();
    expect(screen.queryByText("Notes")).not.toBeInTheDocument();
  });

  it("shows a note written in the work group while the conversation is open", async () => {
    const backend = useMock();
    const project = await api.createProject({ name: "Shop", language: "en" });
    // Maria writes on Avito (account 4): make it a source of the project.
    await api.setProjectSources(project.id, [4]);
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(screen.getAllByTestId("conversation-row")).toHaveLength(6));
    const maria = screen.getAllByTestId("conversation-row")[0];
    await user.click(maria);
    await waitFor(() => expect(screen.getByTestId("thread")).toHaveTextContent("Maria Sokolova"));
    backend.addNote(Number(maria.dataset.conversationId), "Pavel", "Call her back at six");
    const note = await screen.findByTestId("note");
    expect(note).toHaveTextContent("Pavel");
    expect(note).toHaveTextContent("Call her back at six");
  });
});
