// The outbox guard of the in-memory engine (as src/assistant/guard.rs): what
// the app may send on its own. Auto-replies and the assistant's answers to
// recipients it does not allow are held (stored, shown as held, not sent) and
// go once the guard allows them or a person sends them; replies people write
// are guarded only when the owner says so; the Test chat is never held.
import type {
  ApiError,
  AuthorKind,
  ConversationSummary,
  GuardMode,
  IdentityKind,
  OutboxGuard,
  Result,
  WhitelistEntry,
  WhitelistKind,
} from "./api";
import { fail, ok, type MockCore, type MockInbox } from "./mock-shared";

const MAX_ENTRIES = 1_000;

/** A recipient as the owner typed it, normalized as the engine does, or the engine's refusal. */
export function normalizeRecipient(kind: WhitelistKind, raw: string): Result<WhitelistEntry, ApiError> {
  const v = raw.trim();
  const bad = (what: string) => fail<WhitelistEntry>("invalid_input", `“${v}” is not ${what}`);
  switch (kind) {
    case "telegram_user":
    case "avito_user":
      if (!/^\d{1,20}$/.test(v)) return bad("a numeric user id");
      return ok({ kind, value: v });
    case "telegram_username": {
      const name = v.replace(/^@+/, "").toLowerCase();
      if (!/^[a-z0-9_]{4,32}$/.test(name)) return bad("a Telegram username");
      return ok({ kind, value: name });
    }
    case "phone": {
      let digits = v.replace(/\D/g, "");
      if (!/^[\d +\-()]+$/.test(v) || digits.length < 8 || digits.length > 15) {
        return bad("a phone number in international format (+7…)");
      }
      // A Russian number written the domestic way.
      if (digits.length === 11 && digits.startsWith("8") && !v.startsWith("+")) digits = `7${digits.slice(1)}`;
      return ok({ kind, value: `+${digits}` });
    }
    case "email": {
      const email = v.toLowerCase();
      const at = email.indexOf("@");
      const valid = at > 0 && email.slice(at + 1).includes(".") && !/\s/.test(email) && email.length <= 254;
      if (!valid) return bad("an e-mail address");
      return ok({ kind, value: email });
    }
    default:
      return fail("invalid_input", `unknown kind of recipient ${String(kind)}`);
  }
}

/** A contact's identity as a whitelist entry would name it. */
function asEntry(kind: IdentityKind, value: string): WhitelistEntry | null {
  const map: Partial<Record<IdentityKind, WhitelistKind>> = {
    telegram_user: "telegram_user",
    telegram_username: "telegram_username",
    avito_user: "avito_user",
    email: "email",
    phone: "phone",
    whatsapp: "phone",
  };
  const target = map[kind];
  if (!target) return null;
  // The demo's ids are written with spaces ("301 554 020").
  const typed = target === "telegram_user" || target === "avito_user" ? value.replace(/\s/g, "") : value;
  const entry = normalizeRecipient(target, typed.split("@c.us")[0]);
  return entry.status === "ok" ? entry.data : null;
}

const same = (a: WhitelistEntry, b: WhitelistEntry) => a.kind === b.kind && a.value === b.value;

export function createMockGuard(core: MockCore, inbox: MockInbox) {
  const { emit } = core;
  let mode: GuardMode = "whitelist";
  let includePeople = false;
  const whitelist: WhitelistEntry[] = [];

  function heldIds(): number[] {
    const ids: number[] = [];
    for (const list of inbox.messages.values()) {
      for (const m of list) if (m.held && m.delivery === "pending") ids.push(m.id);
    }
    return ids.sort((a, b) => a - b);
  }

  const view = (): OutboxGuard => ({
    mode,
    includePeople,
    whitelist: whitelist.map((e) => ({ ...e })),
    held: heldIds().length,
  });

  /** Whether a reply by `author` in `conversation` may leave now. */
  function allows(conversation: ConversationSummary, author: AuthorKind): boolean {
    const automatic = author === "assistant" || author === "auto_reply";
    if (conversation.channelKind === "simulator" || mode === "on" || (!automatic && !includePeople)) return true;
    if (mode === "off") return false;
    const contact = inbox.contacts.get(conversation.contactId);
    return (contact?.identities ?? []).some((identity) => {
      const entry = asEntry(identity.kind, identity.value);
      return entry != null && whitelist.some((listed) => same(listed, entry));
    });
  }

  /** Sends every held reply the guard now allows. */
  function releaseAllowed() {
    for (const id of heldIds()) {
      for (const [conversationId, list] of inbox.messages) {
        const message = list.find((m) => m.id === id);
        const conversation = core.conversations.get(conversationId);
        if (message && conversation && allows(conversation, message.authorKind)) inbox.release(id);
      }
    }
  }

  const changed = (): Result<OutboxGuard, ApiError> => {
    releaseAllowed();
    emit({ type: "guard_changed" });
    return ok(view());
  };

  const commands = {
    async outboxGuard(): Promise<Result<OutboxGuard, ApiError>> {
      return ok(view());
    },

    async setOutboxGuard(next: GuardMode, people: boolean): Promise<Result<OutboxGuard, ApiError>> {
      if (!["off", "whitelist", "on"].includes(next)) return fail("invalid_input", `unknown guard mode ${next}`);
      mode = next;
      includePeople = people;
      return changed();
    },

    async allowRecipient(entry: WhitelistEntry): Promise<Result<OutboxGuard, ApiError>> {
      const normalized = normalizeRecipient(entry.kind, entry.value);
      if (normalized.status === "error") return normalized;
      if (!whitelist.some((e) => same(e, normalized.data))) {
        if (whitelist.length >= MAX_ENTRIES) {
          return fail("invalid_input", `the whitelist holds at most ${MAX_ENTRIES} recipients`);
        }
        whitelist.push(normalized.data);
      }
      return changed();
    },

    async disallowRecipient(entry: WhitelistEntry): Promise<Result<OutboxGuard, ApiError>> {
      const index = whitelist.findIndex((e) => same(e, entry));
      if (index >= 0) whitelist.splice(index, 1);
      emit({ type: "guard_changed" });
      return ok(view());
    },

    async sendHeldReply(messageId: number): Promise<Result<OutboxGuard, ApiError>> {
      if (!inbox.release(messageId)) return fail("not_found", `held reply ${messageId}`);
      emit({ type: "guard_changed" });
      return ok(view());
    },
  };

  return { commands, allows };
}
