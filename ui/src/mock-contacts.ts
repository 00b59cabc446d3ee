// The contacts of the in-memory engine (as src/contacts.rs): one person, one
// contact, until the same buyer writes on another channel; then searching and
// merging bring the two together.
import type { ApiError, Contact, ContactIdentity, ContactMatch, Result } from "./api";
import { fail, ok, type MockCore } from "./mock-shared";

const SEARCH_LIMIT = 50;

export function createMockContacts(core: MockCore) {
  const { conversations, emit, now } = core;
  const contacts = new Map<number, Contact>();
  let nextContactId = 1;

  function add(name: string, identities: ContactIdentity[], extra: Partial<Contact> = {}, createdAt = now()): Contact {
    const contact: Contact = {
      id: nextContactId++,
      displayName: name,
      phone: extra.phone ?? null,
      email: extra.email ?? null,
      note: extra.note ?? null,
      createdAt,
      identities,
      conversationCount: 0,
    };
    contacts.set(contact.id, contact);
    return contact;
  }

  const copy = (contact: Contact): Contact => ({
    ...contact,
    identities: contact.identities.map((i) => ({ ...i })),
  });

  function lastMessageAt(contactId: number): number | null {
    let last: number | null = null;
    for (const c of conversations.values()) {
      if (c.contactId === contactId && (last == null || c.lastMessageAt > last)) last = c.lastMessageAt;
    }
    return last;
  }

  function matches(contact: Contact, needle: string): boolean {
    if (!needle) return true;
    return [contact.displayName, contact.phone, contact.email, ...contact.identities.map((i) => i.value)].some(
      (value) => value?.toLowerCase().includes(needle),
    );
  }

  const commands = {
    async searchContacts(text: string): Promise<Result<ContactMatch[], ApiError>> {
      const needle = text.trim().toLowerCase();
      const found = [...contacts.values()]
        .filter((contact) => matches(contact, needle))
        .map((contact) => ({
          id: contact.id,
          displayName: contact.displayName,
          phone: contact.phone,
          email: contact.email,
          conversationCount: contact.conversationCount,
          lastMessageAt: lastMessageAt(contact.id),
        }))
        // Most recently active first; contacts without conversations last.
        .sort((a, b) => (b.lastMessageAt ?? -Infinity) - (a.lastMessageAt ?? -Infinity) || b.id - a.id);
      return ok(found.slice(0, SEARCH_LIMIT));
    },

    async mergeContacts(keep: number, other: number): Promise<Result<Contact, ApiError>> {
      if (keep === other) return fail("invalid_input", "a contact cannot be merged with itself");
      const kept = contacts.get(keep);
      const merged = contacts.get(other);
      if (!kept) return fail("not_found", `contact ${keep}`);
      if (!merged) return fail("not_found", `contact ${other}`);
      for (const identity of merged.identities) {
        if (!kept.identities.some((i) => i.kind === identity.kind && i.value === identity.value)) {
          kept.identities.push(identity);
        }
      }
      kept.phone ??= merged.phone;
      kept.email ??= merged.email;
      kept.note = kept.note && merged.note ? `${kept.note}\n${merged.note}` : (kept.note ?? merged.note);
      kept.conversationCount += merged.conversationCount;
      contacts.delete(other);
      for (const c of conversations.values()) {
        if (c.contactId === other) conversations.set(c.id, { ...c, contactId: keep, contactName: kept.displayName });
      }
      core.touch();
      // As the engine does: every conversation of the merged contact is announced.
      for (const c of conversations.values()) {
        if (c.contactId === keep) emit({ type: "conversation_changed", conversation: c });
      }
      return ok(copy(kept));
    },
  };

  return { contacts, add, copy, commands };
}
