// The team in the in-memory engine: the owner's link and invites are made
// (their codes shown once, as the engine does); people join only when a
// test says so (`joinTeam`), as the bot's private chat would link them.
// Conversations are assigned to people here too, and a person's reply is
// signed: the window's replies are the owner's. The owner's threshold for
// alerting about a customer waiting for a person is kept here as well.
import type {
  ApiError,
  AssigneeFilter,
  AuthorKind,
  ConversationSummary,
  Invite,
  InviteCreated,
  InviteInput,
  Message,
  OwnerLink,
  Person,
  Result,
  Role,
  RoleRights,
} from "./api";
import { fail, notFound, ok, type MockCore } from "./mock-shared";
import { DEMO_QR } from "./mock-telegram-accounts";

const RIGHTS: RoleRights[] = [
  {
    role: "owner",
    actions: ["answer", "note", "close_reopen", "assign", "stats", "manage_projects", "manage_invites", "remove_admins"],
  },
  { role: "admin", actions: ["answer", "note", "close_reopen", "assign", "stats", "manage_projects", "manage_invites"] },
  { role: "manager", actions: ["answer", "note", "close_reopen", "assign", "stats"] },
  { role: "operator", actions: ["answer", "note"] },
];

/** Minutes a customer waits for a person before the owner and admins are alerted (0: never). */
const DEFAULT_ALERT_WAITING_MINUTES = 30;
/** The longest wait the engine accepts: a week. */
const MAX_ALERT_WAITING_MINUTES = 7 * 24 * 60;

function code(prefix: string) {
  const letters = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  return prefix + Array.from({ length: 24 }, () => letters[Math.floor(Math.random() * letters.length)]).join("");
}

export function createMockTeam(core: MockCore, deps: { botUsername: (projectId: number | null) => string | null }) {
  const people: Person[] = [];
  const invites: Invite[] = [];
  let nextPersonId = 1;
  let nextInviteId = 1;
  let alertWaitingMinutes = DEFAULT_ALERT_WAITING_MINUTES;
  const changed = () => core.emit({ type: "team_changed" });
  const owner = () => people.find((p) => p.role === "owner") ?? null;
  const worksIn = (person: Person, projectId: number | null) =>
    person.projectIds == null || (projectId != null && person.projectIds.includes(projectId));

  const stateOf = (invite: Invite): Invite => ({
    ...invite,
    state:
      invite.revokedAt != null
        ? "revoked"
        : invite.uses >= invite.maxUses
          ? "used_up"
          : core.now() >= invite.expiresAt
            ? "expired"
            : "active",
  });

  const commands = {
    async teamRights(): Promise<Result<RoleRights[], ApiError>> {
      return ok(RIGHTS);
    },

    async listPeople(): Promise<Result<Person[], ApiError>> {
      const order: Role[] = ["owner", "admin", "manager", "operator"];
      return ok([...people].sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role) || a.linkedAt - b.linkedAt));
    },

    async ownerLink(projectId: number | null): Promise<Result<OwnerLink, ApiError>> {
      if (people.some((p) => p.role === "owner")) {
        return fail("invalid_input", "the owner's Telegram is already linked; remove it first to link another");
      }
      const bot = deps.botUsername(projectId);
      if (!bot) return fail("invalid_input", "connect a project's bot first: the owner's Telegram is linked through it");
      return ok({
        url: `https://t.me/${bot}?start=${code("own_")}`,
        qrSvg: DEMO_QR,
        botUsername: bot,
        expiresAt: core.now() + 15 * 60_000,
      });
    },

    async createInvite(input: InviteInput): Promise<Result<InviteCreated, ApiError>> {
      const role = input.role ?? "operator";
      if (role === "owner") return fail("invalid_input", "there is one owner: invite admins, managers or operators");
      const maxUses = input.maxUses ?? 1;
      if (maxUses < 1 || maxUses > 1000) return fail("invalid_input", `an invite is used by 1 to 1000 people, not ${maxUses}`);
      const hours = input.validHours ?? 72;
      if (hours < 1 || hours > 2160) return fail("invalid_input", `an invite is valid for 1 to 2160 hours, not ${hours}`);
      const projectIds = [...new Set(input.projectIds ?? [])].sort((a, b) => a - b);
      const invite: Invite = {
        id: nextInviteId++,
        role,
        projectIds: projectIds.length ? projectIds : null,
        label: input.label?.trim() || null,
        maxUses,
        uses: 0,
        createdAt: core.now(),
        expiresAt: core.now() + hours * 3_600_000,
        revokedAt: null,
        state: "active",
        usedBy: [],
      };
      invites.unshift(invite);
      changed();
      const the = code("inv_");
      const bot = deps.botUsername(projectIds[0] ?? null);
      const url = bot ? `https://t.me/${bot}?start=${the}` : null;
      return ok({ invite: stateOf(invite), code: the, url, qrSvg: url ? DEMO_QR : null });
    },

    async listInvites(): Promise<Result<Invite[], ApiError>> {
      return ok(invites.map(stateOf));
    },

    async revokeInvite(inviteId: number): Promise<Result<Invite, ApiError>> {
      const invite = invites.find((i) => i.id === inviteId);
      if (!invite) return notFound(`invite ${inviteId}`);
      invite.revokedAt ??= core.now();
      changed();
      return ok(stateOf(invite));
    },

    async removePerson(personId: number): Promise<Result<null, ApiError>> {
      const index = people.findIndex((p) => p.id === personId);
      if (index < 0) return notFound(`person ${personId}`);
      people.splice(index, 1);
      // Their conversations are nobody's now.
      for (const c of core.conversations.values()) {
        if (c.assigneeId === personId) core.conversations.set(c.id, { ...c, assigneeId: null, assigneeName: null });
      }
      core.touch();
      changed();
      return ok(null);
    },

    async setPersonRole(personId: number, role: Role): Promise<Result<Person, ApiError>> {
      if (role === "owner") return fail("invalid_input", "there is one owner; the owner links from the window");
      const person = people.find((p) => p.id === personId);
      if (!person) return notFound(`person ${personId}`);
      if (person.role === "owner") return fail("invalid_input", "the owner's role does not change");
      person.role = role;
      changed();
      return ok({ ...person });
    },

    async alertWaitingMinutes(): Promise<Result<number, ApiError>> {
      return ok(alertWaitingMinutes);
    },

    async setAlertWaitingMinutes(minutes: number): Promise<Result<number, ApiError>> {
      if (!Number.isInteger(minutes) || minutes < 0) {
        return fail("invalid_input", `the waiting time for an alert is a whole number of minutes, not ${minutes}`);
      }
      if (minutes > MAX_ALERT_WAITING_MINUTES) {
        return fail("invalid_input", "the waiting time for an alert is at most a week (10080 minutes)");
      }
      alertWaitingMinutes = minutes;
      return ok(minutes);
    },

    async assignConversation(
      conversationId: number,
      personId: number | null,
    ): Promise<Result<ConversationSummary, ApiError>> {
      const conversation = core.conversations.get(conversationId);
      if (!conversation) return notFound(`conversation ${conversationId}`);
      const person = personId == null ? null : people.find((p) => p.id === personId);
      if (person === undefined) return notFound(`person ${personId}`);
      if (person && !worksIn(person, conversation.projectId)) {
        return fail("invalid_input", `${person.name} does not work in this conversation's project`);
      }
      const updated: ConversationSummary = {
        ...conversation,
        assigneeId: person?.id ?? null,
        assigneeName: person?.name ?? null,
      };
      core.conversations.set(conversationId, updated);
      core.touch();
      core.emit({ type: "conversation_changed", conversation: updated });
      return ok(updated);
    },
  };

  /**
   * A reply by a person of the team: the window's (a manager's) is the
   * owner's when the owner is linked; it is marked with the assignee's name
   * when the conversation is assigned to someone else.
   */
  function sign(conversation: ConversationSummary, author: AuthorKind): Partial<Pick<Message, "authorName" | "assignedTo">> {
    if (author !== "manager" && author !== "operator") return {};
    const writer = author === "manager" ? owner() : null;
    const assignedTo =
      conversation.assigneeId != null && conversation.assigneeId !== writer?.id ? conversation.assigneeName : null;
    return { authorName: writer?.name ?? null, assignedTo };
  }

  /** Whether a conversation answers the inbox's assignee filter. */
  function assigneeMatches(conversation: ConversationSummary, filter: AssigneeFilter | null | undefined): boolean {
    if (!filter) return true;
    if (filter === "unassigned") return conversation.assigneeId == null;
    const mine = owner();
    return mine != null && conversation.assigneeId === mine.id;
  }

  /** Someone opened a link in Telegram: the owner's (no invite) or the invite's. */
  function join(name: string, inviteId: number | null): Person {
    const invite = inviteId == null ? null : invites.find((i) => i.id === inviteId);
    const person: Person = {
      id: nextPersonId++,
      telegramUserId: 9000 + nextPersonId,
      name,
      username: null,
      role: invite ? invite.role : "owner",
      projectIds: invite?.projectIds ?? null,
      linkedAt: core.now(),
    };
    people.push(person);
    if (invite) {
      invite.uses += 1;
      invite.usedBy.push(name);
    }
    changed();
    return person;
  }

  return { commands, join, sign, assigneeMatches };
}
