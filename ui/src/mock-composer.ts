// The composer's side of the in-memory engine: quick replies (three already
// made unless the demo starts empty, one of them in Russian whatever the
// language), their placeholders filled naively for a conversation, their CSV
// import and export; and replies scheduled for later (stored at once with the
// time they go, editable and cancellable until then, and "sent" then in a
// plain browser). As the engine does, a quick reply's name is kept lower case
// without a leading "/", a name is unique within its project (or among every
// project's), a CSV with a bad line is refused whole naming the line, and a
// scheduled reply goes later than now. A reply's text can be changed after
// it went: Avito and e-mail say they cannot change it at the customer's side.
import type {
  ApiError,
  Attachment,
  AuthorKind,
  ChannelKind,
  ConversationSummary,
  Message,
  QuickReply,
  QuickReplyImport,
  QuickReplyInput,
  Result,
  SendTime,
  SendTimes,
} from "./api";
import { fail, notFound, ok, pendingReply, type MockCore } from "./mock-shared";

type Deps = {
  messages: Map<number, Message[]>;
  /** Stores a message in a conversation (and makes it the conversation's latest). */
  appendMessage: (
    conversation: ConversationSummary,
    message: Omit<Message, "id" | "conversationId">,
  ) => { stored: Message; updated: ConversationSummary };
  /** Who of the team wrote a person's reply, as the outbox signs it. */
  sign: (conversation: ConversationSummary, author: AuthorKind) => Partial<Pick<Message, "authorName" | "assignedTo">>;
  /** The projects (for a quick reply's project and its placeholders). */
  projects: () => Promise<{ id: number; name: string }[]>;
  seed: boolean;
};

const HOUR = 3_600_000;
const MAX_NAME = 32;
/** The furthest a reply may be scheduled (a year), as the engine allows. */
const MAX_AHEAD_MS = 366 * 24 * HOUR;
/** How long the customer's channel takes to answer a change of a sent reply. */
const EDIT_ANSWER_MS = 150;
/** setTimeout's longest delay; a reply due later than that is not "sent" by the demo. */
const MAX_TIMER_MS = 2_147_483_647;

type StoredReply = Omit<QuickReply, "projectName">;

/** The demo's quick replies: the shop's language, and a Russian one whatever the language. */
function seedReplies(locale: "ru" | "en"): { name: string; text: string }[] {
  const thanks = {
    name: "спасибо",
    text: "Спасибо за заказ, {CUSTOMER_NAME}! Если появятся вопросы — пишите сюда, в {CHANNEL}.",
  };
  return locale === "ru"
    ? [
        { name: "привет", text: "Здравствуйте, {CUSTOMER_NAME}! Это {AGENT_NAME}, {BRAND}. Чем могу помочь?" },
        { name: "доставка", text: "Доставка занимает 1–2 дня и бесплатна от 5 000 {CURRENCY}. Подобрать удобное время?" },
        thanks,
      ]
    : [
        { name: "greeting", text: "Hello, {CUSTOMER_NAME}! This is {AGENT_NAME} from {BRAND}. How can I help you?" },
        {
          name: "delivery",
          text: "Delivery takes 1–2 days and is free from 5 000 {CURRENCY}. Shall I book a time for you?",
        },
        thanks,
      ];
}

/** The channel as the persona names it (the engine's words). */
function channelName(kind: ChannelKind): string {
  switch (kind) {
    case "telegram_bot":
    case "telegram_account":
      return "Telegram";
    case "avito":
      return "Avito";
    case "email":
      return "e-mail";
    case "custom":
      return "the website chat";
    default:
      return "WhatsApp";
  }
}

/** A name as the engine keeps it, or why it refuses it. */
function cleanName(raw: string): Result<string, ApiError> {
  const name = raw.trim().replace(/^\/+/, "").toLowerCase();
  if (!name) return fail("invalid_input", "a quick reply needs a name");
  if ([...name].length > MAX_NAME) return fail("invalid_input", `a quick reply's name is at most ${MAX_NAME} characters`);
  const bad = [...name].find((c) => !/[\p{L}\p{N}_-]/u.test(c));
  if (bad) return fail("invalid_input", `a quick reply's name has only letters, digits, “_” and “-” (not “${bad}”)`);
  return ok(name);
}

/** CSV text as rows of fields (quoted fields may hold the delimiter, quotes and new lines). */
function parseCsv(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function createMockComposer(core: MockCore, deps: Deps) {
  const { conversations, emit, now, locale } = core;
  const { messages } = deps;
  const replies = new Map<number, StoredReply>();
  let nextReplyId = 1;
  /** The timers that "send" scheduled replies, by message. */
  const timers = new Map<number, ReturnType<typeof setTimeout>>();

  if (deps.seed) {
    for (const seed of seedReplies(locale)) {
      const id = nextReplyId++;
      replies.set(id, { id, projectId: null, ...seed, updatedAt: now() - 3 * 24 * HOUR });
    }
  }

  async function named(): Promise<Map<number, string>> {
    return new Map((await deps.projects()).map((p) => [p.id, p.name]));
  }

  const view = (reply: StoredReply, names: Map<number, string>): QuickReply => ({
    ...reply,
    projectName: reply.projectId == null ? null : (names.get(reply.projectId) ?? null),
  });

  /** By name, a project's own before every project's, as the engine lists them. */
  const byName = (a: StoredReply, b: StoredReply) =>
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.projectId == null ? 1 : 0) - (b.projectId == null ? 1 : 0);

  const sameSlot = (reply: StoredReply, projectId: number | null, name: string) =>
    (reply.projectId ?? 0) === (projectId ?? 0) && reply.name === name;

  async function checked(input: QuickReplyInput, except: number | null): Promise<Result<QuickReplyInput, ApiError>> {
    const name = cleanName(input.name);
    if (name.status === "error") return name;
    const text = input.text.trim();
    if (!text) return fail("invalid_input", "a quick reply needs a text");
    if (input.projectId != null && !(await named()).has(input.projectId)) return notFound(`project ${input.projectId}`);
    if ([...replies.values()].some((r) => r.id !== except && sameSlot(r, input.projectId, name.data))) {
      return fail("invalid_input", `there is a quick reply “/${name.data}” already`);
    }
    return ok({ projectId: input.projectId, name: name.data, text });
  }

  /** `text` with its placeholders filled for a conversation: naively, from the demo's facts. */
  async function fill(conversation: ConversationSummary, text: string): Promise<string> {
    const project = conversation.projectId == null ? null : ((await named()).get(conversation.projectId) ?? null);
    const facts: Record<string, string> = {
      CUSTOMER_NAME: conversation.contactName.trim(),
      AGENT_NAME: locale === "ru" ? "консультант" : "a consultant",
      BRAND: project ?? "Tuberry",
      CITY: "",
      CHANNEL: channelName(conversation.channelKind),
      WHATSAPP_LINK: "",
      CATALOG_URL: "",
      CURRENCY: "₽",
    };
    return text.replace(/\{([A-Z_]+)\}/g, (whole, name: string) => facts[name] ?? whole);
  }

  // Replies scheduled for later.

  const findMessage = (messageId: number) => {
    for (const list of messages.values()) {
      const index = list.findIndex((m) => m.id === messageId);
      if (index >= 0) return { list, index, message: list[index] };
    }
    return null;
  };

  /** The conversation's next scheduled reply, as its summary says; told when it changes. */
  function settleNext(conversationId: number) {
    const conversation = conversations.get(conversationId);
    if (!conversation) return;
    const times = (messages.get(conversationId) ?? []).flatMap((m) => (m.scheduledAt != null ? [m.scheduledAt] : []));
    const next = times.length > 0 ? Math.min(...times) : null;
    const updated = { ...conversation, nextScheduledAt: next };
    conversations.set(conversationId, updated);
    core.touch();
    emit({ type: "conversation_changed", conversation: updated });
  }

  function timeProblem(sendAt: number): Result<never, ApiError> | null {
    if (sendAt <= now()) return fail("invalid_input", "the time to send it has passed");
    if (sendAt - now() > MAX_AHEAD_MS) return fail("invalid_input", "a reply is scheduled at most a year ahead");
    return null;
  }

  /** In a plain browser the reply goes at its time: it joins the conversation as written then. */
  function goAt(messageId: number, sendAt: number) {
    clearTimeout(timers.get(messageId));
    timers.delete(messageId);
    const delay = sendAt - now();
    if (delay > MAX_TIMER_MS) return;
    timers.set(
      messageId,
      setTimeout(() => {
        timers.delete(messageId);
        const found = findMessage(messageId);
        if (!found || found.message.scheduledAt == null) return;
        const at = now();
        const sent: Message = { ...found.message, scheduledAt: null, createdAt: at, delivery: "sent", sentAt: at };
        found.list.splice(found.index, 1);
        found.list.push(sent);
        const conversation = conversations.get(sent.conversationId);
        if (conversation) {
          conversations.set(sent.conversationId, {
            ...conversation,
            lastMessageAt: at,
            lastMessagePreview: sent.text || sent.attachments.map((a) => a.name).join(", "),
            lastMessageDirection: "out",
          });
        }
        emit({ type: "message_updated", message: sent });
        settleNext(sent.conversationId);
      }, Math.max(0, delay)),
    );
  }

  return {
    /**
     * Stores a reply to go at `sendAt` (the conversation's latest message
     * stays what it was until then), or refuses a time that has passed.
     */
    schedule(
      conversationId: number,
      text: string,
      attachments: Attachment[],
      quoted: string | null,
      sendAt: number,
    ): Result<Message, ApiError> {
      const conversation = conversations.get(conversationId);
      if (!conversation) return notFound(`conversation ${conversationId}`);
      const problem = timeProblem(sendAt);
      if (problem) return problem;
      const { stored } = deps.appendMessage(conversation, {
        ...pendingReply("manager", text.trim(), attachments, quoted, now(), sendAt),
        ...deps.sign(conversation, "manager"),
      });
      // A reply for later changes the conversation when it goes.
      conversations.set(conversationId, conversation);
      emit({ type: "message_added", message: stored });
      settleNext(conversationId);
      goAt(stored.id, sendAt);
      return ok(stored);
    },

    commands: {
      async listQuickReplies(projectId: number | null): Promise<Result<QuickReply[], ApiError>> {
        const names = await named();
        return ok(
          [...replies.values()]
            .filter((r) => projectId == null || r.projectId == null || r.projectId === projectId)
            .sort(byName)
            .map((r) => view(r, names)),
        );
      },

      async createQuickReply(input: QuickReplyInput): Promise<Result<QuickReply, ApiError>> {
        const clean = await checked(input, null);
        if (clean.status === "error") return clean;
        const reply: StoredReply = { id: nextReplyId++, ...clean.data, updatedAt: now() };
        replies.set(reply.id, reply);
        emit({ type: "quick_replies_changed" });
        return ok(view(reply, await named()));
      },

      async updateQuickReply(quickReplyId: number, input: QuickReplyInput): Promise<Result<QuickReply, ApiError>> {
        if (!replies.has(quickReplyId)) return notFound(`quick reply ${quickReplyId}`);
        const clean = await checked(input, quickReplyId);
        if (clean.status === "error") return clean;
        const reply: StoredReply = { id: quickReplyId, ...clean.data, updatedAt: now() };
        replies.set(reply.id, reply);
        emit({ type: "quick_replies_changed" });
        return ok(view(reply, await named()));
      },

      async deleteQuickReply(quickReplyId: number): Promise<Result<null, ApiError>> {
        if (!replies.delete(quickReplyId)) return notFound(`quick reply ${quickReplyId}`);
        emit({ type: "quick_replies_changed" });
        return ok(null);
      },

      async quickReplyText(conversationId: number, quickReplyId: number): Promise<Result<string, ApiError>> {
        const reply = replies.get(quickReplyId);
        if (!reply) return notFound(`quick reply ${quickReplyId}`);
        const conversation = conversations.get(conversationId);
        if (!conversation) return notFound(`conversation ${conversationId}`);
        return ok(await fill(conversation, reply.text));
      },

      async exportQuickReplies(folder: string | null): Promise<Result<string, ApiError>> {
        const dir = folder ?? (locale === "ru" ? "/home/demo/Загрузки" : "/home/demo/Downloads");
        return ok(`${dir}/tuberry-quick-replies.csv`);
      },

      async importQuickReplies(csv: string): Promise<Result<QuickReplyImport, ApiError>> {
        const text = csv.replace(/^\uFEFF/, "");
        const header = text.split(/\r?\n/, 1)[0] ?? "";
        const delimiter = [";", "\t", ","].reduce((best, d) =>
          header.split(d).length > header.split(best).length ? d : best,
        );
        const [head = [], ...lines] = parseCsv(text, delimiter);
        const headers = head.map((h) => h.trim().toLowerCase());
        const column = (names: string[]) => headers.findIndex((h) => names.includes(h));
        const nameAt = column(["name", "название", "имя"]);
        const textAt = column(["text", "текст"]);
        const projectAt = column(["project", "проект"]);
        if (nameAt < 0 || textAt < 0) {
          return fail("invalid_input", "the CSV needs a header line with the columns “name” and “text” (and “project”)");
        }
        const projects = await deps.projects();
        const rows: QuickReplyInput[] = [];
        for (const [i, record] of lines.entries()) {
          const line = i + 2;
          if (record.every((f) => f.trim() === "")) continue;
          const project = projectAt >= 0 ? (record[projectAt] ?? "").trim() : "";
          let projectId: number | null = null;
          if (project) {
            const found = projects.find((p) => p.name.trim().toLowerCase() === project.toLowerCase());
            if (!found) return fail("invalid_input", `line ${line}: no project called “${project}”`);
            projectId = found.id;
          }
          const name = cleanName(record[nameAt] ?? "");
          if (name.status === "error") return fail("invalid_input", `line ${line}: ${name.error.message}`);
          const body = (record[textAt] ?? "").trim();
          if (!body) return fail("invalid_input", `line ${line}: a quick reply needs a text`);
          if (rows.some((r) => r.projectId === projectId && r.name === name.data)) {
            return fail("invalid_input", `line ${line}: “/${name.data}” is in the file twice`);
          }
          rows.push({ projectId, name: name.data, text: body });
        }
        const report: QuickReplyImport = { added: 0, updated: 0 };
        for (const row of rows) {
          const known = [...replies.values()].find((r) => sameSlot(r, row.projectId, row.name));
          const id = known?.id ?? nextReplyId++;
          replies.set(id, { id, ...row, updatedAt: now() });
          if (known) report.updated += 1;
          else report.added += 1;
        }
        if (rows.length > 0) emit({ type: "quick_replies_changed" });
        return ok(report);
      },

      async sendTimes(conversationId: number): Promise<Result<SendTimes, ApiError>> {
        if (!conversations.has(conversationId)) return notFound(`conversation ${conversationId}`);
        // The demo's shop keeps this computer's time.
        const at = now();
        const local = new Date(at);
        const day = (offset: number, hour: number) => {
          const d = new Date(local);
          d.setDate(d.getDate() + offset);
          d.setHours(hour, 0, 0, 0);
          return d.getTime();
        };
        const presets: SendTime[] = [{ preset: "in_an_hour", at: Math.floor((at + HOUR) / 60_000) * 60_000 }];
        if (local.getHours() < 17) presets.push({ preset: "this_evening", at: day(0, 18) });
        presets.push({ preset: "tomorrow_morning", at: day(1, 9) });
        // Monday is getDay() 1; tomorrow being Monday is offered as "tomorrow" already.
        const weekday = local.getDay();
        if (weekday !== 0) presets.push({ preset: "monday", at: day(8 - weekday, 9) });
        let timeZone = "UTC";
        try {
          timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
        } catch {
          // This system does not say; the demo names it UTC.
        }
        return ok({ timeZone, presets });
      },

      async editScheduledReply(messageId: number, text: string, sendAt: number): Promise<Result<Message, ApiError>> {
        const problem = timeProblem(sendAt);
        if (problem) return problem;
        const found = findMessage(messageId);
        if (!found || found.message.direction !== "out") return notFound(`reply ${messageId}`);
        if (found.message.scheduledAt == null) {
          return fail("invalid_input", "this reply is not waiting to be sent later");
        }
        const trimmed = text.trim();
        if (!trimmed && found.message.attachments.length === 0) return fail("invalid_input", "the reply is empty");
        const changed: Message = { ...found.message, text: trimmed, scheduledAt: sendAt };
        found.list[found.index] = changed;
        emit({ type: "message_updated", message: changed });
        settleNext(changed.conversationId);
        goAt(messageId, sendAt);
        return ok(changed);
      },

      /**
       * Changes a reply's text (the first text kept as its original): one not
       * sent yet simply goes changed; one sent is changed at the customer's
       * side, except on Avito and e-mail, which cannot: the message says so a
       * moment later (its editError, by a message_updated event).
       */
      async editReply(messageId: number, text: string): Promise<Result<Message, ApiError>> {
        const found = findMessage(messageId);
        if (!found) return notFound(`message ${messageId}`);
        const was = found.message;
        if (was.direction !== "out") return fail("invalid_input", "only the shop's replies can be changed");
        const trimmed = text.trim();
        if (!trimmed && was.attachments.length === 0) return fail("invalid_input", "the reply is empty");
        if (trimmed === was.text) return ok(was);
        const changed: Message = {
          ...was,
          text: trimmed,
          originalText: was.originalText ?? was.text,
          editedAt: now(),
          editError: null,
        };
        found.list[found.index] = changed;
        emit({ type: "message_updated", message: changed });
        const conversation = conversations.get(changed.conversationId);
        if (conversation && changed.scheduledAt == null && found.list[found.list.length - 1]?.id === messageId) {
          const updated = { ...conversation, lastMessagePreview: trimmed || conversation.lastMessagePreview };
          conversations.set(updated.id, updated);
          emit({ type: "conversation_changed", conversation: updated });
        }
        const sent = changed.delivery === "sent" || changed.delivery === "delivered";
        if (sent && (conversation?.channelKind === "avito" || conversation?.channelKind === "email")) {
          // The channel's answer comes later, as the engine's queued change does.
          setTimeout(() => {
            const again = findMessage(messageId);
            if (!again || again.message.editedAt !== changed.editedAt) return;
            const refused: Message = {
              ...again.message,
              editError:
                conversation.channelKind === "email"
                  ? "an e-mail cannot be changed once it is sent"
                  : "Avito cannot change a message once it is sent",
            };
            again.list[again.index] = refused;
            emit({ type: "message_updated", message: refused });
          }, EDIT_ANSWER_MS);
        }
        return ok(changed);
      },

      async cancelScheduledReply(messageId: number): Promise<Result<null, ApiError>> {
        const found = findMessage(messageId);
        if (!found || found.message.direction !== "out") return notFound(`reply ${messageId}`);
        if (found.message.scheduledAt == null) {
          return fail("invalid_input", "this reply is not waiting to be sent later");
        }
        found.list.splice(found.index, 1);
        clearTimeout(timers.get(messageId));
        timers.delete(messageId);
        emit({ type: "message_removed", conversation_id: found.message.conversationId, message_id: messageId });
        settleNext(found.message.conversationId);
        return ok(null);
      },
    },
  };
}
