// The Test chat of the in-memory engine: a simulated customer writes into the
// inbox, replies come back into their transcript, and the chat speaks for a
// project (its assistant answers there).
import type {
  ApiError,
  ChannelKind,
  Contact,
  ContactIdentity,
  ConversationSummary,
  Direction,
  IngestOutcome,
  Message,
  Result,
  SimulatorEntry,
  TestChat,
  TestChatInput,
} from "./api";
import { notFound, ok, type MockCore, type MockInbox } from "./mock-shared";

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
  let transcript: SimulatorEntry[] = [];
  let nextEntryId = 1;
  const account = () => accounts.find((a) => a.kind === "simulator") ?? accounts[0];

  function addEntry(customer: string, direction: Direction, text: string, messageId: number | null) {
    const entry: SimulatorEntry = { id: nextEntryId++, customer, direction, text, messageId, createdAt: now() };
    transcript.push(entry);
    emit({ type: "simulator_entry", entry });
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

  function customerWrites(name: string, text: string): Result<IngestOutcome, ApiError> {
    const contact = contactOf(name) ?? deps.addContact(name, [{ kind: "simulator", value: name }]);
    const conversation = conversationOf(contact.id) ?? deps.addConversation(contact, "simulator", null, now());
    const { stored, updated } = deps.appendMessage(conversation, deps.customerMessage(text, now()));
    const unread = { ...updated, unreadCount: updated.unreadCount + 1 };
    conversations.set(unread.id, unread);
    addEntry(name, "in", text, stored.id);
    emit({ type: "message_added", message: stored });
    emit({ type: "conversation_changed", conversation: unread });
    deps.onCustomerMessage(unread, stored);
    return ok({ conversationId: unread.id, messageId: stored.id, duplicate: false });
  }

  const view = (): TestChat => ({ projectId: account().projectId, accountId: account().id });

  const commands = {
    async simulateInbound(customer: string, text: string): Promise<Result<IngestOutcome, ApiError>> {
      return customerWrites(customer, text);
    },

    async testChatWrite(input: TestChatInput): Promise<Result<IngestOutcome, ApiError>> {
      return customerWrites(input.customer, input.text);
    },

    async simulatorTranscript(customer: string | null): Promise<Result<SimulatorEntry[], ApiError>> {
      return ok(transcript.filter((e) => customer == null || e.customer === customer));
    },

    async testChat(): Promise<Result<TestChat, ApiError>> {
      return ok(view());
    },

    async setTestChatProject(projectId: number | null): Promise<Result<TestChat, ApiError>> {
      if (projectId != null && !deps.hasProject(projectId)) return notFound(`project ${projectId}`);
      core.moveAccount(account().id, projectId);
      emit({ type: "project_changed", project_id: projectId ?? 0 });
      return ok(view());
    },

    async resetTestChat(customer: string): Promise<Result<null, ApiError>> {
      const contact = contactOf(customer);
      const conversation = contact && conversationOf(contact.id);
      if (contact && conversation) {
        conversations.delete(conversation.id);
        inbox.messages.delete(conversation.id);
        contact.conversationCount -= 1;
        deps.forget(conversation.id);
        core.touch();
      }
      transcript = transcript.filter((e) => e.customer !== customer);
      emit({ type: "resync" });
      return ok(null);
    },
  };

  return { commands, addEntry, customerOf };
}
