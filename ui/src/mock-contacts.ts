// The contacts of the in-memory engine: found by a piece of their name or an
// identity, offered for merging when they share a phone, and merged by moving
// one's identities and conversations to the other.
import type { ApiError, Contact, ContactIdentity, ContactMatch, Result } from "./api";
import { notFound, ok, type MockCore } from "./mock-shared";

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
    const times = [...conversations.values()].filter((c) => c.contactId === contactId).map((c) => c.lastMessageAt);
    return times.length > 0 ? Math.max(...times) : null;
  }

  const match = (c: Contact): ContactMatch => ({
    id: c.id,
    displayName: c.displayName,
    phone: c.phone,
    email: c.email,
    conversationCount: c.conversationCount,
    lastMessageAt: lastMessageAt(c.id),
  });

  /** A contact's phone numbers as digits (seven at least). */
  const phonesOf = (c: Contact) =>
    [c.phone, ...c.identities.filter((i) => i.kind === "phone").map((i) => i.value)]
      .map((p) => (p ?? "").replace(/\D/g, ""))
      .filter((d) => d.length >= 7);

  const commands = {
    async samePhoneContacts(contactId: number): Promise<Result<ContactMatch[], ApiError>> {
      const contact = contacts.get(contactId);
      if (!contact) return notFound(`contact ${contactId}`);
      const phones = phonesOf(contact);
      const same = [...contacts.values()].filter(
        (c) => c.id !== contactId && phonesOf(c).some((p) => phones.includes(p)),
      );
      return ok(same.sort((a, b) => a.id - b.id).map(match));
    },

    async searchContacts(text: string): Promise<Result<ContactMatch[], ApiError>> {
      const needle = text.trim().toLowerCase();
      const found = [...contacts.values()].filter((c) =>
        [c.displayName, c.phone, c.email, ...c.identities.map((i) => i.value)].some((v) =>
          v?.toLowerCase().includes(needle),
        ),
      );
      return ok(found.map(match));
    },

    async mergeContacts(keep: number, other: number): Promise<Result<Contact, ApiError>> {
      const kept = contacts.get(keep);
      const merged = contacts.get(other);
      if (!kept || !merged) return notFound(`contact ${kept ? other : keep}`);
      kept.identities.push(...merged.identities);
      kept.phone ??= merged.phone;
      kept.email ??= merged.email;
      kept.conversationCount += merged.conversationCount;
      contacts.delete(other);
      for (const c of conversations.values()) {
        if (c.contactId === other) conversations.set(c.id, { ...c, contactId: keep, contactName: kept.displayName });
      }
      core.touch();
      for (const c of conversations.values()) {
        if (c.contactId === keep) emit({ type: "conversation_changed", conversation: c });
      }
      return ok(copy(kept));
    },
  };

  return { contacts, add, copy, commands };
}
