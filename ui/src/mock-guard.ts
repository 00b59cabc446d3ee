// The outbox guard of the in-memory engine: its mode and whitelist as saved,
// and the held replies of the demo (which go when sent anyway). It decides
// nothing: no reply it sends is held, and listing a recipient releases nothing.
import type { ApiError, GuardMode, OutboxGuard, Result, WhitelistEntry } from "./api";
import { notFound, ok, type MockCore, type MockInbox } from "./mock-shared";

const same = (a: WhitelistEntry, b: WhitelistEntry) => a.kind === b.kind && a.value === b.value;

export function createMockGuard(core: MockCore, inbox: MockInbox) {
  let mode: GuardMode = "whitelist";
  let includePeople = false;
  let whitelist: WhitelistEntry[] = [];

  const held = () =>
    [...inbox.messages.values()].flat().filter((m) => m.held && m.delivery === "pending").length;

  const view = (): Result<OutboxGuard, ApiError> =>
    ok({ mode, includePeople, whitelist: whitelist.map((e) => ({ ...e })), held: held() });
  const changed = () => {
    core.emit({ type: "guard_changed" });
    return view();
  };

  const commands = {
    async outboxGuard(): Promise<Result<OutboxGuard, ApiError>> {
      return view();
    },

    async setOutboxGuard(next: GuardMode, people: boolean): Promise<Result<OutboxGuard, ApiError>> {
      mode = next;
      includePeople = people;
      return changed();
    },

    async allowRecipient(entry: WhitelistEntry): Promise<Result<OutboxGuard, ApiError>> {
      if (!whitelist.some((e) => same(e, entry))) whitelist.push({ ...entry });
      return changed();
    },

    async disallowRecipient(entry: WhitelistEntry): Promise<Result<OutboxGuard, ApiError>> {
      whitelist = whitelist.filter((e) => !same(e, entry));
      return changed();
    },

    async sendHeldReply(messageId: number): Promise<Result<OutboxGuard, ApiError>> {
      if (!inbox.release(messageId)) return notFound(`held reply ${messageId}`);
      return changed();
    },
  };

  return { commands };
}
