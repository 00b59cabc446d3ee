// Sending in the in-memory engine: a reply is stored as pending, then "sent"
// a moment later (in a plain browser, a WhatsApp reply is then delivered and
// read, as WhatsApp's receipts say). Only the demo's seeded replies are held;
// one goes when it is released.
import type { Attachment, AuthorKind, Contact, ConversationSummary, Message } from "./api";
import { pendingReply, type MockCore, type MockInbox } from "./mock-shared";

type Deps = {
  messages: Map<number, Message[]>;
  contacts: Map<number, Contact>;
  appendMessage: (
    conversation: ConversationSummary,
    message: Omit<Message, "id" | "conversationId">,
  ) => { stored: Message; updated: ConversationSummary };
  /** A reply reached the customer (the Test chat shows it in the transcript). */
  delivered: (conversation: ConversationSummary, message: Message) => void;
  /** Receipts of replies in WhatsApp conversations: delivered this long after sent, read as long after that. */
  receiptsAfterMs?: number;
  deliveryDelayMs: number;
  /**
   * Who of the team wrote a person's reply, and the assignee's name when the
   * conversation is assigned to someone else (nothing for other authors).
   */
  sign: (conversation: ConversationSummary, author: AuthorKind) => Partial<Pick<Message, "authorName" | "assignedTo">>;
};

export function createMockOutbox(core: MockCore, deps: Deps): MockInbox {
  const { conversations, emit, now } = core;
  const { messages } = deps;

  function deliverLater(message: Message) {
    setTimeout(() => {
      const list = messages.get(message.conversationId);
      const index = list?.findIndex((m) => m.id === message.id) ?? -1;
      if (!list || index < 0) return;
      const sent: Message = { ...list[index], delivery: "sent", sentAt: now() };
      list[index] = sent;
      emit({ type: "message_updated", message: sent });
      const conversation = conversations.get(message.conversationId);
      if (conversation) deps.delivered(conversation, sent);
      if (conversation?.channelKind === "whatsapp" && deps.receiptsAfterMs != null) receipts(sent.id, sent.conversationId);
    }, deps.deliveryDelayMs);
  }

  /** WhatsApp's receipts: delivered to the phone, then read. */
  function receipts(messageId: number, conversationId: number) {
    const step = (change: () => Partial<Message>, after: number) =>
      setTimeout(() => {
        const list = messages.get(conversationId);
        const index = list?.findIndex((m) => m.id === messageId) ?? -1;
        if (!list || index < 0) return;
        list[index] = { ...list[index], ...change() };
        emit({ type: "message_updated", message: list[index] });
      }, after);
    const ms = deps.receiptsAfterMs ?? 0;
    step(() => ({ delivery: "delivered" }), ms);
    step(() => ({ readAt: now() }), 2 * ms);
  }

  return {
    messages,
    contacts: deps.contacts,

    reply(
      conversationId: number,
      author: AuthorKind,
      text: string,
      attachments: Attachment[] = [],
      quoted: string | null = null,
    ): Message {
      const conversation = conversations.get(conversationId)!;
      const { stored, updated } = deps.appendMessage(conversation, {
        ...pendingReply(author, text, attachments, quoted, now()),
        ...deps.sign(conversation, author),
      });
      emit({ type: "message_added", message: stored });
      emit({ type: "conversation_changed", conversation: updated });
      deliverLater(stored);
      return stored;
    },

    release(messageId: number): Message | null {
      for (const list of messages.values()) {
        const index = list.findIndex((m) => m.id === messageId && m.held && m.delivery === "pending");
        if (index < 0) continue;
        const released: Message = { ...list[index], held: false };
        list[index] = released;
        emit({ type: "message_updated", message: released });
        deliverLater(released);
        return released;
      }
      return null;
    },
  };
}
