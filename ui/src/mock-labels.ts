// The inbox list's side of the in-memory engine: reading the list (filters,
// the snoozed ones, the three orders), the counts per status, labels, snooze
// and changing many conversations at once. As the engine does, a bulk action
// takes 1 to 500 conversations, a snooze ends in the future (within a year),
// label names are unique (whatever their case, 40 characters at most) and the
// labels are listed by name; a customer who writes brings a snoozed
// conversation back (mock.ts clears it when a message comes in).
import type {
  ApiError,
  AssigneeFilter,
  ConversationFilter,
  ConversationPage,
  ConversationStatus,
  ConversationSummary,
  Label,
  LabelColor,
  LabelInput,
  Result,
  StatusCounts,
} from "./api";
import { fail, notFound, ok, type MockCore } from "./mock-shared";

const MAX_BULK = 500;
const MAX_NAME = 40;
const MAX_SNOOZE_MS = 366 * 24 * 3_600_000;

type Deps = {
  /** Every conversation, the latest message first. */
  ordered: () => ConversationSummary[];
  assigneeMatches: (conversation: ConversationSummary, filter: AssigneeFilter | null | undefined) => boolean;
  seed: boolean;
};

type StoredLabel = { id: number; name: string; color: LabelColor };

/** The demo's labels, and the seeded conversations (the first made is 1) that carry them. */
const SEED_LABELS: { en: string; ru: string; color: LabelColor; on: number[] }[] = [
  { en: "VIP", ru: "VIP", color: "purple", on: [1, 6] },
  { en: "Wholesale", ru: "Опт", color: "teal", on: [4] },
  { en: "Delivery issue", ru: "Проблема с доставкой", color: "red", on: [2] },
];

export function createMockLabels(core: MockCore, deps: Deps) {
  const { conversations, emit, now, touch } = core;
  const labels = new Map<number, StoredLabel>();
  let nextLabelId = 1;

  const snoozed = (c: ConversationSummary) => c.snoozedUntil != null && c.snoozedUntil > now();

  const countOf = (labelId: number) => {
    let n = 0;
    for (const c of conversations.values()) if (c.labelIds.includes(labelId)) n += 1;
    return n;
  };
  const copy = (label: StoredLabel): Label => ({ ...label, conversationCount: countOf(label.id) });
  const folded = (name: string) => name.trim().toLocaleLowerCase();

  function checked(input: LabelInput, except: number | null): Result<LabelInput, ApiError> {
    const name = input.name.trim();
    if (!name) return fail("invalid_input", "a label needs a name");
    if ([...name].length > MAX_NAME) return fail("invalid_input", `a label's name is at most ${MAX_NAME} characters`);
    for (const label of labels.values()) {
      if (label.id !== except && folded(label.name) === folded(name)) {
        return fail("invalid_input", `there is a label “${label.name}” already`);
      }
    }
    return ok({ name, color: input.color });
  }

  function bulk(ids: number[]): Result<number[], ApiError> {
    if (ids.length === 0) return fail("invalid_input", "choose at least one conversation");
    if (ids.length > MAX_BULK) return fail("invalid_input", `at most ${MAX_BULK} conversations at once`);
    const unique = [...new Set(ids)].sort((a, b) => a - b);
    for (const id of unique) if (!conversations.has(id)) return notFound(`conversation ${id}`);
    return ok(unique);
  }

  /** Changes each conversation, says so, and answers them all. */
  function change(ids: number[], update: (c: ConversationSummary) => ConversationSummary) {
    const out: ConversationSummary[] = [];
    for (const id of ids) {
      const updated = update(conversations.get(id)!);
      conversations.set(id, updated);
      emit({ type: "conversation_changed", conversation: updated });
      out.push(updated);
    }
    touch();
    return out;
  }

  const matches = (c: ConversationSummary, filter: ConversationFilter, needle: string | null) =>
    (!filter.status || c.status === filter.status) &&
    (!filter.channel || c.channelKind === filter.channel) &&
    deps.assigneeMatches(c, filter.assignee) &&
    (filter.labelId == null || c.labelIds.includes(filter.labelId)) &&
    (filter.contactId == null || c.contactId === filter.contactId) &&
    (filter.since == null || c.lastMessageAt >= filter.since) &&
    (filter.until == null || c.lastMessageAt < filter.until) &&
    snoozed(c) === (filter.snoozed ?? false) &&
    (filter.sort !== "waiting" || (c.lastMessageDirection === "in" && c.status !== "closed")) &&
    (!needle ||
      c.contactName.toLowerCase().includes(needle) ||
      c.lastMessagePreview.toLowerCase().includes(needle) ||
      (c.subject ?? "").toLowerCase().includes(needle));

  if (deps.seed) {
    const seeded = [...conversations.values()].sort((a, b) => a.id - b.id);
    for (const s of SEED_LABELS) {
      const id = nextLabelId++;
      labels.set(id, { id, name: core.locale === "ru" ? s.ru : s.en, color: s.color });
      for (const at of s.on) {
        const c = seeded[at - 1];
        if (c) conversations.set(c.id, { ...c, labelIds: [...c.labelIds, id] });
      }
    }
    touch();
  }

  const commands = {
    async listConversations(filter: ConversationFilter): Promise<Result<ConversationPage, ApiError>> {
      const offset = filter.offset ?? 0;
      if (filter.since != null && filter.until != null && filter.since >= filter.until) {
        return fail("invalid_input", "the period ends before it starts");
      }
      const needle = filter.search?.trim().toLowerCase() || null;
      let hits = deps.ordered().filter((c) => matches(c, filter, needle));
      if (filter.sort === "unread") {
        hits = [...hits.filter((c) => c.unreadCount > 0), ...hits.filter((c) => c.unreadCount === 0)];
      } else if (filter.sort === "waiting") {
        hits = hits.reverse();
      }
      return ok({ total: hits.length, offset, items: hits.slice(offset, offset + (filter.limit ?? hits.length)) });
    },

    async statusCounts(): Promise<Result<StatusCounts, ApiError>> {
      const counts: StatusCounts = {
        all: 0,
        awaitingResponse: 0,
        answeredByAssistant: 0,
        needsHuman: 0,
        closed: 0,
        snoozed: 0,
      };
      for (const c of conversations.values()) {
        if (snoozed(c)) {
          counts.snoozed += 1;
          continue;
        }
        counts.all += 1;
        if (c.status === "awaiting_response") counts.awaitingResponse += 1;
        else if (c.status === "answered_by_assistant") counts.answeredByAssistant += 1;
        else if (c.status === "needs_human") counts.needsHuman += 1;
        else counts.closed += 1;
      }
      return ok(counts);
    },

    async setConversationsStatus(
      conversationIds: number[],
      status: ConversationStatus,
    ): Promise<Result<ConversationSummary[], ApiError>> {
      const ids = bulk(conversationIds);
      if (ids.status === "error") return ids;
      return ok(change(ids.data, (c) => ({ ...c, status })));
    },

    async snoozeConversations(
      conversationIds: number[],
      until: number | null,
    ): Promise<Result<ConversationSummary[], ApiError>> {
      const ids = bulk(conversationIds);
      if (ids.status === "error") return ids;
      if (until != null && until <= now()) return fail("invalid_input", "a snooze ends in the future");
      if (until != null && until - now() > MAX_SNOOZE_MS) return fail("invalid_input", "a snooze lasts at most a year");
      return ok(change(ids.data, (c) => ({ ...c, snoozedUntil: until })));
    },

    async listLabels(): Promise<Result<Label[], ApiError>> {
      const list = [...labels.values()].sort((a, b) => folded(a.name).localeCompare(folded(b.name)));
      return ok(list.map(copy));
    },

    async createLabel(input: LabelInput): Promise<Result<Label, ApiError>> {
      const valid = checked(input, null);
      if (valid.status === "error") return valid;
      const label = { id: nextLabelId++, ...valid.data };
      labels.set(label.id, label);
      emit({ type: "labels_changed" });
      return ok(copy(label));
    },

    async updateLabel(labelId: number, input: LabelInput): Promise<Result<Label, ApiError>> {
      if (!labels.has(labelId)) return notFound(`label ${labelId}`);
      const valid = checked(input, labelId);
      if (valid.status === "error") return valid;
      const label = { id: labelId, ...valid.data };
      labels.set(labelId, label);
      emit({ type: "labels_changed" });
      return ok(copy(label));
    },

    async deleteLabel(labelId: number): Promise<Result<null, ApiError>> {
      if (!labels.delete(labelId)) return notFound(`label ${labelId}`);
      const carried = [...conversations.values()].filter((c) => c.labelIds.includes(labelId)).map((c) => c.id);
      change(carried, (c) => ({ ...c, labelIds: c.labelIds.filter((id) => id !== labelId) }));
      emit({ type: "labels_changed" });
      return ok(null);
    },

    async labelConversations(
      conversationIds: number[],
      labelId: number,
      on: boolean,
    ): Promise<Result<ConversationSummary[], ApiError>> {
      const ids = bulk(conversationIds);
      if (ids.status === "error") return ids;
      if (!labels.has(labelId)) return notFound(`label ${labelId}`);
      const out = change(ids.data, (c) => {
        const rest = c.labelIds.filter((id) => id !== labelId);
        // In the order the labels were made, as the engine lists them.
        return { ...c, labelIds: on ? [...rest, labelId].sort((a, b) => a - b) : rest };
      });
      emit({ type: "labels_changed" });
      return ok(out);
    },
  };

  return { commands };
}
