import { beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api } from "../api";
import App from "../App";
import { makeProject, openAssistant, openAssistantProject, useMock } from "./assistant-fixtures";

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

function setup() {
  const user = userEvent.setup();
  render(<App />);
  return user;
}

describe("Assistant view", () => {
  it("is reached from the top bar and lists the projects with their mode", async () => {
    useMock();
    await makeProject("Sofa shop");
    const user = setup();
    expect(screen.getByTestId("nav-assistant")).toHaveTextContent("Assistant");
    const view = await openAssistant(user);
    expect(screen.getByTestId("nav-assistant")).toHaveAttribute("aria-current", "page");
    expect(within(view).getByTestId("assistant-llm-row")).toHaveTextContent("Language model");
    expect(within(view).getByTestId("assistant-guard-row")).toHaveTextContent("Outbox guard");
    const row = await within(view).findByTestId("assistant-project-row");
    expect(row).toHaveTextContent("Sofa shop");
    await waitFor(() => expect(within(row).getByTestId("assistant-mode-badge")).toHaveTextContent("Off"));
  });

  it("says what to do when there are no projects", async () => {
    useMock();
    const user = setup();
    await openAssistant(user);
    const empty = await screen.findByTestId("assistant-no-projects");
    expect(empty).toHaveTextContent("The assistant works per project");
    await user.click(within(empty).getByRole("button", { name: "Create a project" }));
    expect(await screen.findByTestId("projects-view")).toBeInTheDocument();
  });
});

describe("a project's assistant", () => {
  it("saves the mode as soon as it is chosen", async () => {
    const backend = useMock();
    const project = await makeProject("Sofa shop");
    const save = vi.spyOn(backend.commands, "saveAssistantSettings");
    const user = setup();
    const detail = await openAssistantProject(user, "Sofa shop");
    expect(within(detail).getByRole("radio", { name: "Off" })).toBeChecked();
    await user.click(within(detail).getByRole("radio", { name: "Drafts" }));
    await waitFor(() => expect(save).toHaveBeenCalledWith(project.id, expect.objectContaining({ mode: "drafts" })));
    await waitFor(() => expect(within(detail).getByRole("radio", { name: "Drafts" })).toBeChecked());
    expect((await api.assistantSettings(project.id)).mode).toBe("drafts");
    const row = screen.getAllByTestId("assistant-project-row")[0];
    await waitFor(() => expect(within(row).getByTestId("assistant-mode-badge")).toHaveTextContent("Drafts"));

    await user.click(within(detail).getByRole("radio", { name: "Automatic" }));
    await waitFor(async () => expect((await api.assistantSettings(project.id)).mode).toBe("automatic"));
  });

  it("starts from the default persona, saves the owner's own with its fields, and resets it", async () => {
    const backend = useMock();
    const project = await makeProject("Sofa shop");
    const save = vi.spyOn(backend.commands, "saveAssistantSettings");
    const user = setup();
    const detail = await openAssistantProject(user, "Sofa shop");
    const persona = within(detail).getByLabelText("Persona text");
    expect((persona as HTMLTextAreaElement).value).toContain("You are {AGENT_NAME}, a sales consultant of {BRAND}");
    expect(within(detail).getByText("Default template")).toBeInTheDocument();
    expect(within(detail).getByTestId("persona")).toHaveTextContent("the project's name when empty");
    expect(within(detail).getByTestId("persona-save")).toBeDisabled();

    await user.clear(persona);
    await user.type(persona, "You are Anna of Sofa shop. Answer in one sentence.");
    await user.type(within(detail).getByLabelText("Agent's name"), "Anna");
    await user.type(within(detail).getByLabelText("City"), "Kazan");
    await user.click(within(detail).getByTestId("persona-save"));
    await waitFor(() =>
      expect(save).toHaveBeenCalledWith(
        project.id,
        expect.objectContaining({
          persona: "You are Anna of Sofa shop. Answer in one sentence.",
          agentName: "Anna",
          city: "Kazan",
          mode: "off",
          currency: "₽",
        }),
      ),
    );
    expect(await within(detail).findByTestId("persona-saved")).toHaveTextContent("Saved");
    const stored = await api.assistantSettings(project.id);
    expect(stored.persona).toBe("You are Anna of Sofa shop. Answer in one sentence.");
    expect(stored.agentName).toBe("Anna");
    expect(within(detail).queryByText("Default template")).not.toBeInTheDocument();

    await user.click(within(detail).getByTestId("persona-reset"));
    expect((persona as HTMLTextAreaElement).value).toBe(stored.defaultPersona);
    await user.click(within(detail).getByTestId("persona-save"));
    await waitFor(() =>
      expect(save).toHaveBeenLastCalledWith(project.id, expect.objectContaining({ persona: null, agentName: "Anna" })),
    );
    expect((await api.assistantSettings(project.id)).persona).toBeNull();
  });

  it("shows the engine's refusal of a bad link", async () => {
    const backend = useMock();
    await makeProject("Sofa shop");
    const user = setup();
    const detail = await openAssistantProject(user, "Sofa shop");
    await user.type(within(detail).getByLabelText("WhatsApp link"), "wa.me/7999");
    backend.failNext("saveAssistantSettings", {
      code: "invalid_input",
      message: "the WhatsApp link “wa.me/7999” is not a link",
    });
    await user.click(within(detail).getByTestId("persona-save"));
    expect(await within(detail).findByTestId("persona-error")).toHaveTextContent(
      "the WhatsApp link “wa.me/7999” is not a link",
    );
  });
});

describe("auto-reply", () => {
  it("shows the engine's refusal when it is on without a text", async () => {
    const backend = useMock();
    await makeProject("Sofa shop");
    const save = vi.spyOn(backend.commands, "saveAssistantSettings");
    const user = setup();
    const detail = await openAssistantProject(user, "Sofa shop");
    const section = within(detail).getByTestId("auto-reply");
    await user.selectOptions(within(section).getByLabelText("When to send"), "always");
    backend.failNext("saveAssistantSettings", {
      code: "invalid_input",
      message: "the auto-reply is on but its text is empty",
    });
    await user.click(within(section).getByTestId("auto-reply-save"));
    expect(await within(section).findByTestId("auto-reply-error")).toHaveTextContent(
      "the auto-reply is on but its text is empty",
    );
    expect(save).toHaveBeenCalledTimes(1);

    // A delay that is not a number is caught before the engine is asked.
    const delay = within(section).getByLabelText("Delay, seconds");
    await user.clear(delay);
    await user.type(delay, "soon");
    await user.type(within(section).getByLabelText("Auto-reply text"), "We answer in the morning.");
    await user.click(within(section).getByTestId("auto-reply-save"));
    expect(within(section).getByText("Enter a whole number of seconds from 0 to 86400.")).toBeInTheDocument();
    expect(delay).toHaveAttribute("aria-invalid", "true");
    expect(save).toHaveBeenCalledTimes(1);
  });

  it("edits the schedule: adds, changes and removes intervals, and saves what is shown", async () => {
    const backend = useMock();
    const project = await makeProject("Sofa shop");
    const save = vi.spyOn(backend.commands, "saveAssistantSettings");
    const user = setup();
    const detail = await openAssistantProject(user, "Sofa shop");
    const section = within(detail).getByTestId("auto-reply");
    await user.selectOptions(within(section).getByLabelText("When to send"), "schedule");
    await user.type(within(section).getByLabelText("Auto-reply text"), "We are closed, we answer at 9.");

    // Without intervals the engine refuses.
    expect(within(section).getByTestId("schedule")).toHaveTextContent("No intervals yet");
    backend.failNext("saveAssistantSettings", {
      code: "invalid_input",
      message: "the auto-reply follows a schedule that has no intervals",
    });
    await user.click(within(section).getByTestId("auto-reply-save"));
    expect(await within(section).findByTestId("auto-reply-error")).toHaveTextContent(
      "the auto-reply follows a schedule that has no intervals",
    );

    await user.click(within(section).getByRole("button", { name: "Add interval" }));
    await user.click(within(section).getByRole("button", { name: "Add interval" }));
    expect(within(section).getAllByTestId("schedule-interval")).toHaveLength(2);
    const first = within(section).getByRole("group", { name: "Interval 1" });
    expect(within(first).getByRole("button", { name: "Monday" })).toHaveAttribute("aria-pressed", "true");
    expect(within(first).getByRole("button", { name: "Saturday" })).toHaveAttribute("aria-pressed", "false");
    expect(first).toHaveTextContent("ends the next day");
    await user.click(within(first).getByRole("button", { name: "Friday" }));
    await user.click(within(first).getByRole("button", { name: "Sunday" }));
    fireEvent.change(within(first).getByLabelText("From"), { target: { value: "20:30" } });
    fireEvent.change(within(first).getByLabelText("To"), { target: { value: "23:00" } });
    expect(first).not.toHaveTextContent("ends the next day");
    await user.click(within(section).getByRole("button", { name: "Remove interval 2" }));
    expect(within(section).getAllByTestId("schedule-interval")).toHaveLength(1);

    await user.click(within(section).getByTestId("auto-reply-save"));
    await waitFor(() =>
      expect(save).toHaveBeenLastCalledWith(
        project.id,
        expect.objectContaining({
          autoReply: "schedule",
          autoReplyText: "We are closed, we answer at 9.",
          autoReplyDelayS: 75,
          schedule: [{ days: ["mon", "tue", "wed", "thu", "sun"], start: "20:30", end: "23:00" }],
          timeZone: "",
        }),
      ),
    );
    expect(await within(section).findByTestId("auto-reply-saved")).toBeInTheDocument();
    expect((await api.assistantSettings(project.id)).schedule).toHaveLength(1);
    expect(within(section).getByTestId("auto-reply-effective-zone")).toHaveTextContent("this computer's time zone");
  });

  it("offers weeknights and weekends as a preset", async () => {
    const backend = useMock();
    const project = await makeProject("Sofa shop");
    const save = vi.spyOn(backend.commands, "saveAssistantSettings");
    const user = setup();
    const detail = await openAssistantProject(user, "Sofa shop");
    const section = within(detail).getByTestId("auto-reply");
    await user.selectOptions(within(section).getByLabelText("When to send"), "schedule");
    await user.type(within(section).getByLabelText("Auto-reply text"), "Back at 9.");
    await user.click(within(section).getByRole("button", { name: "Weeknights 19:00–09:00 + weekends" }));
    const rows = within(section).getAllByTestId("schedule-interval");
    expect(rows).toHaveLength(2);
    expect(rows[1]).toHaveTextContent("the whole day");
    const delay = within(section).getByLabelText("Delay, seconds");
    await user.clear(delay);
    await user.type(delay, "30");
    await user.type(within(section).getByLabelText("Time zone"), "Europe/Moscow");
    await user.click(within(section).getByTestId("auto-reply-save"));
    await waitFor(() =>
      expect(save).toHaveBeenLastCalledWith(
        project.id,
        expect.objectContaining({
          autoReplyDelayS: 30,
          timeZone: "Europe/Moscow",
          schedule: [
            { days: ["mon", "tue", "wed", "thu", "fri"], start: "19:00", end: "09:00" },
            { days: ["sat", "sun"], start: "00:00", end: "00:00" },
          ],
        }),
      ),
    );
    await waitFor(() =>
      expect(within(section).getByTestId("auto-reply-effective-zone")).toHaveTextContent("Europe/Moscow"),
    );
  });
});

describe("language model", () => {
  it("lists the server's models, saves the chosen one, and says when Ollama is not running", async () => {
    const backend = useMock();
    const saveLlm = vi.spyOn(backend.commands, "saveLlmSettings");
    const user = setup();
    await openAssistant(user);
    await user.click(screen.getByTestId("assistant-llm-row"));
    const section = await screen.findByTestId("llm");
    const model = await within(section).findByRole("combobox", { name: "Model" });
    expect([...(model as HTMLSelectElement).options].map((o) => o.value)).toEqual(["qwen2.5:7b", "llama3.1:8b"]);
    expect(within(section).getByLabelText("Server address")).toHaveValue("http://127.0.0.1:11434/v1");
    await user.selectOptions(model, "llama3.1:8b");
    await user.click(within(section).getByTestId("llm-save"));
    await waitFor(() =>
      expect(saveLlm).toHaveBeenCalledWith(
        expect.objectContaining({
          provider: "ollama",
          model: "llama3.1:8b",
          apiKey: null,
          contextTokens: 8192,
          maxTokens: 400,
        }),
      ),
    );
    expect((await api.llmSettings()).model).toBe("llama3.1:8b");

    const address = within(section).getByLabelText("Server address");
    await user.clear(address);
    await user.type(address, "http://offline.lan:11434/v1");
    backend.answerNext("llmModels", {
      status: "ok",
      data: {
        models: [],
        problem: "not_running",
        detail: "nothing answers at http://offline.lan:11434/v1 (is the model server running?)",
      },
    });
    await user.click(within(section).getByRole("button", { name: "Refresh" }));
    const problem = await within(section).findByTestId("llm-problem");
    expect(problem).toHaveAttribute("data-problem", "not_running");
    expect(problem).toHaveTextContent(
      "Ollama is not running at http://offline.lan:11434/v1. Start Ollama (run “ollama serve”) and try again.",
    );
    // Without a list the model is typed in.
    expect(within(section).getByRole("textbox", { name: "Model" })).toHaveValue("llama3.1:8b");

    await user.selectOptions(screen.getByTestId("language-switch"), "ru");
    expect(within(section).getByTestId("llm-problem")).toHaveTextContent(
      "Ollama не запущена по адресу http://offline.lan:11434/v1. Запустите Ollama (команда «ollama serve») и попробуйте снова.",
    );
  });

  it("says when the chosen model is not on the server, and asks for a key for other servers", async () => {
    useMock();
    await api.saveLlmSettings({
      provider: "ollama",
      baseUrl: "",
      model: "mistral:7b",
      apiKey: null,
      contextTokens: 8192,
      maxTokens: 400,
      temperature: 0.7,
    });
    const user = setup();
    await openAssistant(user);
    await user.click(screen.getByTestId("assistant-llm-row"));
    const section = await screen.findByTestId("llm");
    expect(await within(section).findByTestId("llm-problem")).toHaveTextContent(
      "The server has no model “mistral:7b”.",
    );
    expect(within(section).queryByLabelText("API key")).not.toBeInTheDocument();
    await user.selectOptions(within(section).getByLabelText("Model server"), "openai_compatible");
    expect(within(section).getByLabelText("Server address")).toHaveValue("");
    expect(within(section).getByLabelText("API key")).toHaveAttribute("type", "password");
  });
});

describe("auto-replies paused from the tray", () => {
  it("says so in the project's auto-reply and resumes them, in both languages", async () => {
    useMock();
    await makeProject("Sofa shop");
    const user = setup();
    const detail = await openAssistantProject(user, "Sofa shop");
    expect(within(detail).queryByTestId("auto-reply-paused")).not.toBeInTheDocument();

    // The tray pauses them: the engine tells the window.
    await api.pauseAutoReplies(true);
    const notice = await within(detail).findByTestId("auto-reply-paused");
    expect(notice).toHaveTextContent("Auto-replies are paused for the whole app");
    await i18n.changeLanguage("ru");
    await waitFor(() => expect(notice).toHaveTextContent("Автоответы приостановлены"));
    await i18n.changeLanguage("en");

    await user.click(within(notice).getByTestId("auto-reply-resume"));
    await waitFor(() => expect(within(detail).queryByTestId("auto-reply-paused")).not.toBeInTheDocument());
    expect(await api.autoRepliesPaused()).toBe(false);
  });
});
