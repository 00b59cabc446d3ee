import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api } from "../api";
import App from "../App";
import { inputOf } from "../assistant";
import type { MockBackend } from "../mock";
import { avitoAccountId, conversationRow, makeProject, SOFA_ROW, useMock, type User } from "./assistant-fixtures";

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

async function renderInbox() {
  const user = userEvent.setup();
  render(<App />);
  await waitFor(() => expect(screen.getAllByTestId("conversation-row").length).toBeGreaterThan(5));
  return user;
}

async function openConversation(user: User, name: string) {
  await user.click(conversationRow(name));
  return screen.findByTestId("thread");
}

const messageWith = (text: string) => screen.getAllByTestId("message").find((m) => m.textContent?.includes(text))!;

/** What the assistant answers Maria from the catalogue. */
const SOFA_ANSWER = `Yes, we have it: ${SOFA_ROW}. Shall I reserve it for you?`;

/** Maria's Avito conversation in a project that drafts replies, and the draft the assistant makes. */
async function draftsProject(backend: MockBackend) {
  backend.assistantNext({ outcome: "answered", text: SOFA_ANSWER, catalogueRows: [{ id: 1, text: SOFA_ROW }] });
  const project = await makeProject("Sofa shop", true);
  await api.setProjectSources(project.id, [await avitoAccountId()]);
  const settings = await api.assistantSettings(project.id);
  await api.saveAssistantSettings(project.id, { ...inputOf(settings), mode: "drafts" });
  return project;
}

describe("replies written by the app", () => {
  it("labels the assistant's answers and the auto-replies", async () => {
    useMock();
    const user = await renderInbox();
    await openConversation(user, "Igor Petrov");
    const answer = messageWith("Delivery to Kazan is 890 ₽");
    expect(answer).toHaveAttribute("data-author", "assistant");
    expect(within(answer).getByTestId("message-tag")).toHaveTextContent("Assistant");

    await openConversation(user, "Elena Krylova");
    await waitFor(() => expect(messageWith("A manager will reply within an hour")).toBeDefined());
    expect(within(messageWith("A manager will reply within an hour")).getByTestId("message-tag")).toHaveTextContent(
      "Auto-reply",
    );
  });

  it("shows a reply the outbox guard holds, and sends it when asked", async () => {
    const backend = useMock();
    const sendHeld = vi.spyOn(backend.commands, "sendHeldReply");
    const user = await renderInbox();
    await openConversation(user, "Sergey K.");
    const held = messageWith("The price is final");
    expect(held).toHaveAttribute("data-held", "true");
    const note = within(held).getByTestId("message-held");
    expect(note).toHaveTextContent("Held by the outbox guard");
    expect(note).toHaveTextContent("the guard does not let automatic replies reach this customer");
    expect(within(held).getByRole("img", { name: "Held by the outbox guard" })).toBeInTheDocument();

    await user.click(within(note).getByRole("button", { name: "Send anyway" }));
    expect(sendHeld).toHaveBeenCalledWith(Number(held.dataset.messageId));
    await waitFor(() =>
      expect(within(messageWith("The price is final")).queryByTestId("message-held")).not.toBeInTheDocument(),
    );
    await waitFor(() => expect(messageWith("The price is final")).toHaveAttribute("data-delivery", "sent"));
    expect((await api.outboxGuard()).held).toBe(0);
  });
});

describe("suggested replies (drafts mode)", () => {
  it("puts the suggestion in the composer to edit", async () => {
    const backend = useMock();
    await draftsProject(backend);
    const dismiss = vi.spyOn(backend.commands, "dismissDraft");
    const user = await renderInbox();
    const thread = await openConversation(user, "Maria Sokolova");
    const card = await within(thread).findByRole("region", { name: "Suggested reply" });
    expect(within(card).getByTestId("draft-text")).toHaveTextContent(SOFA_ANSWER);
    expect(card).toHaveTextContent("from catalogue rows: 1");

    await user.click(within(card).getByRole("button", { name: "Use" }));
    expect(within(thread).getByTestId("composer-input")).toHaveValue(SOFA_ANSWER);
    expect(within(thread).queryByTestId("draft-card")).not.toBeInTheDocument();
    expect(dismiss).toHaveBeenCalledTimes(1);
  });

  it("sends the suggestion as it is", async () => {
    const backend = useMock();
    await draftsProject(backend);
    const send = vi.spyOn(backend.commands, "sendReply");
    const user = await renderInbox();
    const thread = await openConversation(user, "Maria Sokolova");
    const card = await within(thread).findByTestId("draft-card");
    await user.click(within(card).getByRole("button", { name: "Send" }));
    expect(send).toHaveBeenCalledWith(Number(thread.dataset.conversationId), SOFA_ANSWER, [], null, null);
    await waitFor(() => expect(messageWith("Shall I reserve it for you?")).toHaveAttribute("data-direction", "out"));
    await waitFor(() => expect(within(thread).queryByTestId("draft-card")).not.toBeInTheDocument());
  });

  it("dismisses the suggestion for good", async () => {
    const backend = useMock();
    await draftsProject(backend);
    const dismiss = vi.spyOn(backend.commands, "dismissDraft");
    const user = await renderInbox();
    const thread = await openConversation(user, "Maria Sokolova");
    const card = await within(thread).findByTestId("draft-card");
    await user.click(within(card).getByRole("button", { name: "Dismiss" }));
    expect(dismiss).toHaveBeenCalledWith(Number(card.dataset.runId));
    await waitFor(() => expect(within(thread).queryByTestId("draft-card")).not.toBeInTheDocument());
    await openConversation(user, "Igor Petrov");
    const again = await openConversation(user, "Maria Sokolova");
    await waitFor(() => expect(within(again).getAllByTestId("message").length).toBeGreaterThan(0));
    expect(await api.assistantDraft(Number(again.dataset.conversationId))).toBeNull();
    expect(within(again).queryByTestId("draft-card")).not.toBeInTheDocument();
  });
});

describe("Test chat with the assistant", () => {
  it("speaks for a chosen project, as if on a chosen channel, and shows the catalogue rows an answer used", async () => {
    const backend = useMock();
    const project = await makeProject("Sofa shop", true);
    const setProject = vi.spyOn(backend.commands, "setTestChatProject");
    const write = vi.spyOn(backend.commands, "testChatWrite");
    const reset = vi.spyOn(backend.commands, "resetTestChat");
    const user = await renderInbox();
    await user.click(screen.getByTestId("test-chat-toggle"));
    const panel = screen.getByTestId("test-chat-panel");
    expect(within(panel).getByTestId("test-chat-project-hint")).toHaveTextContent(
      "The assistant answers only when the Test chat is tied to a project.",
    );

    const projectSelect = within(panel).getByLabelText("Speaks for project");
    await waitFor(() => expect(within(projectSelect).getByRole("option", { name: "Sofa shop" })).toBeInTheDocument());
    await user.selectOptions(projectSelect, String(project.id));
    expect(setProject).toHaveBeenCalledWith(project.id);
    await waitFor(() =>
      expect(within(panel).getByTestId("test-chat-project-hint")).toHaveTextContent(
        "The assistant of “Sofa shop” answers here",
      ),
    );
    await user.selectOptions(within(panel).getByLabelText("Customer writes on"), "avito");

    backend.assistantNext({ outcome: "answered", text: SOFA_ANSWER, catalogueRows: [{ id: 1, text: SOFA_ROW }] });
    backend.assistantNext({ outcome: "handoff", text: "the customer asks for a person" });
    await user.type(within(panel).getByTestId("test-chat-input"), "Do you have a sofa?{Enter}");
    expect(write).toHaveBeenCalledWith({ customer: "Anna", text: "Do you have a sofa?", channel: "avito" });
    await waitFor(() => expect(within(panel).getAllByTestId("test-chat-entry")).toHaveLength(2));
    const answer = within(panel).getAllByTestId("test-chat-entry")[1];
    expect(answer).toHaveAttribute("data-direction", "out");
    expect(answer).toHaveTextContent(SOFA_ANSWER);
    const used = await within(answer).findByTestId("run-rows");
    expect(used).toHaveTextContent("Catalogue rows used: 1");
    expect(within(used).getByText(SOFA_ROW)).toBeInTheDocument();
    expect(answer).toHaveTextContent("Assistant");

    // A customer who asks for a person is handed over; the reason shows under their message.
    await user.type(within(panel).getByTestId("test-chat-input"), "Can I talk to a manager?{Enter}");
    const handoff = await within(panel).findByTestId("run-note");
    expect(handoff).toHaveTextContent("Handed to a person: the customer asks for a person");

    await user.click(within(panel).getByRole("button", { name: "Reset conversation" }));
    expect(reset).toHaveBeenCalledWith("Anna");
    await waitFor(() => expect(within(panel).queryAllByTestId("test-chat-entry")).toHaveLength(0));
    expect(panel).toHaveTextContent("No messages from Anna yet.");
  });

  it("says why the assistant could not answer", async () => {
    const backend = useMock();
    const project = await makeProject("Sofa shop", true);
    await api.setTestChatProject(project.id);
    backend.assistantNext({
      outcome: "failed",
      text: "nothing answers at http://offline.lan:11434/v1 (is the model server running?)",
    });
    const user = await renderInbox();
    await user.click(screen.getByTestId("test-chat-toggle"));
    const panel = screen.getByTestId("test-chat-panel");
    await waitFor(() => expect(within(panel).getByLabelText("Speaks for project")).toHaveValue(String(project.id)));
    await user.type(within(panel).getByTestId("test-chat-input"), "Is the sofa in stock?{Enter}");
    const note = await within(panel).findByTestId("run-note");
    expect(note).toHaveAttribute("data-outcome", "failed");
    expect(note).toHaveTextContent("The assistant could not answer: nothing answers at http://offline.lan:11434/v1");
  });
});
