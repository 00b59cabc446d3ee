// Sending in the in-memory engine (as src/outbox.rs): a reply is stored as
// pending, then "sent" a moment later, unless the outbox guard holds it;
// a held reply goes when it is released.
import type { Attachment, AuthorKind, Contact, ConversationSummary, Message } from "./api";
import type { MockCore, MockInbox } from "./mock-shared";

type Deps = {
  messages: Map<number, Message[]>;
  contacts: Map<number, Contact>;
  appendMessage: (
    conversation: ConversationSummary,
    message: Omit<Message, "id" | "conversationId">,
  ) => { stored: Message; updated: ConversationSummary };
  /** Whether the outbox guard lets a reply by `author` leave now. */
  allows: (conversation: ConversationSummary, author: AuthorKind) => boolean;
  /** A reply reached the customer (the Test chat shows it in the transcript). */
  delivered: (conversation: ConversationSummary, message: Message) => void;
  deliveryDelayMs: number;
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
    }, deps.deliveryDelayMs);
  }

  return {
    messages,
    contacts: deps.contacts,

    reply(conversationId: number, author: AuthorKind, text: string, attachments: Attachment[] = []): Message {
      const conversation = conversations.get(conversationId)!;
      const held = !deps.allows(conversation, author);
      const { stored, updated } = deps.appendMessage(conversation, {
        direction: "out",
        authorKind: author,
        authorName: null,
        text,
        attachments: attachments.map((a) => ({ ...a })),
        delivery: "pending",
        deliveryError: null,
        createdAt: now(),
        sentAt: null,
        quoted: null,
        hasHtml: false,
        held,
      });
      emit({ type: "message_added", message: stored });
      emit({ type: "conversation_changed", conversation: updated });
      if (held) emit({ type: "guard_changed" });
      else deliverLater(stored);
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

    setStatus(conversationId, status) {
      const conversation = conversations.get(conversationId);
      if (!conversation || conversation.status === status) return;
      const updated = { ...conversation, status };
      conversations.set(conversationId, updated);
      core.touch();
      emit({ type: "conversation_changed", conversation: updated });
    },
  };
}
