// The Test chat of the in-memory engine (as src/channels/simulator.rs): a
// simulated customer writes into the inbox, replies come back into their
// transcript, and the chat speaks for a project (its assistant answers there).
import type {
  ApiError,
  ChannelKind,
  Contact,
  ContactIdentity,
  ConversationStatus,
  ConversationSummary,
  Direction,
  IngestOutcome,
  Message,
  Result,
  SimulatorEntry,
  TestChat,
  TestChatInput,
} from "./api";
import { fail, ok, type MockCore, type MockInbox } from "./mock-shared";

type Deps = {
  addContact: (name: string, identities: ContactIdentity[]) => Contact;
  addConversation: (
    contact: Contact,
    kind: ChannelKind,
    subject: string | null,
    createdAt: number,
  ) => ConversationSummary;
  appendMessage: (
    conversation: ConversationSummary,
    message: Omit<Message, "id" | "conversationId">,
  ) => { stored: Message; updated: ConversationSummary };
  customerMessage: (text: string, createdAt: number) => Omit<Message, "id" | "conversationId">;
  hasProject: (projectId: number) => boolean;
  onCustomerMessage: (conversation: ConversationSummary, message: Message) => void;
  forget: (conversationId: number) => void;
};

export function createMockSimulator(core: MockCore, inbox: MockInbox, deps: Deps) {
  const { accounts, conversations, emit, now } = core;
  const transcript: SimulatorEntry[] = [];
  let nextEntryId = 1;
  const account = () => accounts.find((a) => a.kind === "simulator") ?? accounts[0];

  function addEntry(customer: string, direction: Direction, text: string, messageId: number | null) {
    const entry: SimulatorEntry = { id: nextEntryId++, customer, direction, text, messageId, createdAt: now() };
    transcript.push(entry);
    emit({ type: "simulator_entry", entry });
    return entry;
  }

  const contactOf = (name: string) =>
    [...inbox.contacts.values()].find((c) => c.identities.some((i) => i.kind === "simulator" && i.value === name));

  const conversationOf = (contactId: number) =>
    [...conversations.values()].find((c) => c.contactId === contactId && c.channelKind === "simulator");

  /** The simulated customer behind a conversation, if it is the Test chat's. */
  function customerOf(conversation: ConversationSummary): string | null {
    if (conversation.channelKind !== "simulator") return null;
    const contact = inbox.contacts.get(conversation.contactId);
    return contact?.identities.find((i) => i.kind === "simulator")?.value ?? null;
  }

  function customerWrites(customer: string, text: string): Result<IngestOutcome, ApiError> {
    const name = customer.trim();
    if (!name) return fail("invalid_input", "customer name is empty");
    if (!text.trim()) return fail("invalid_input", "message is empty");
    const contact = contactOf(name) ?? deps.addContact(name, [{ kind: "simulator", value: name }]);
    const conversation = conversationOf(contact.id) ?? deps.addConversation(contact, "simulator", null, now());
    const { stored, updated } = deps.appendMessage(conversation, deps.customerMessage(text, now()));
    // As the engine does: a customer's message reopens the conversation,
    // but a request for a person stands.
    const status: ConversationStatus = updated.status === "needs_human" ? "needs_human" : "awaiting_response";
    const reopened = { ...updated, status, unreadCount: updated.unreadCount + 1 };
    conversations.set(reopened.id, reopened);
    addEntry(name, "in", text, stored.id);
    emit({ type: "message_added", message: stored });
    emit({ type: "conversation_changed", conversation: reopened });
    deps.onCustomerMessage(reopened, stored);
    return ok({ conversationId: reopened.id, messageId: stored.id, duplicate: false });
  }

  const view = (): TestChat => ({ projectId: account().projectId, accountId: account().id });

  const commands = {
    async simulateInbound(customer: string, text: string): Promise<Result<IngestOutcome, ApiError>> {
      return customerWrites(customer, text);
    },

    async testChatWrite(input: TestChatInput): Promise<Result<IngestOutcome, ApiError>> {
      if (input.channel === "simulator") return fail("invalid_input", "the Test chat cannot pretend to be itself");
      return customerWrites(input.customer, input.text);
    },

    async simulatorTranscript(customer: string | null): Promise<Result<SimulatorEntry[], ApiError>> {
      const name = customer?.trim();
      return ok(transcript.filter((e) => !name || e.customer === name));
    },

    async testChat(): Promise<Result<TestChat, ApiError>> {
      return ok(view());
    },

    async setTestChatProject(projectId: number | null): Promise<Result<TestChat, ApiError>> {
      if (projectId != null && !deps.hasProject(projectId)) return fail("not_found", `project ${projectId}`);
      core.moveAccount(account().id, projectId);
      emit({ type: "project_changed", project_id: projectId ?? 0 });
      return ok(view());
    },

    async resetTestChat(customer: string): Promise<Result<null, ApiError>> {
      const name = customer.trim();
      if (!name) return fail("invalid_input", "customer name is empty");
      const contact = contactOf(name);
      const conversation = contact && conversationOf(contact.id);
      if (contact && conversation) {
        conversations.delete(conversation.id);
        inbox.messages.delete(conversation.id);
        contact.conversationCount = Math.max(0, contact.conversationCount - 1);
        deps.forget(conversation.id);
        core.touch();
      }
      for (let i = transcript.length - 1; i >= 0; i--) if (transcript[i].customer === name) transcript.splice(i, 1);
      emit({ type: "resync" });
      return ok(null);
    },
  };

  return { commands, addEntry, customerOf };
}
