// WhatsApp Business Cloud API numbers of the in-memory engine: a number with
// a phone number ID of digits and non-empty secrets is added (connected at
// once, as Meta calls in); the verify token is made up when none is given.
// A number with a business account has the demo's approved templates; a
// conversation's reply window closes a day after the customer's last message.
import type {
  AccountStatus,
  ApiError,
  ChannelKind,
  CloudNumber,
  CloudNumberAdded,
  CloudNumberInput,
  CloudNumberUpdate,
  CloudTemplate,
  Contact,
  ContactIdentity,
  ConversationSummary,
  Message,
  ReplyWindow,
  Result,
  TemplateReply,
} from "./api";
import { fail, notFound, ok, type MockCore, type MockInbox } from "./mock-shared";

type Deps = {
  inbox: MockInbox;
  addContact: (name: string, identities: ContactIdentity[]) => Contact;
  addConversation: (
    contact: Contact,
    kind: ChannelKind,
    subject: string | null,
    createdAt: number,
    accountId?: number,
  ) => ConversationSummary;
  appendMessage: (
    conversation: ConversationSummary,
    message: Omit<Message, "id" | "conversationId">,
  ) => { stored: Message; updated: ConversationSummary };
  customerMessage: (text: string, createdAt: number) => Omit<Message, "id" | "conversationId">;
};

/** Meta takes a free-form reply this long after the customer's last message. */
const WINDOW_MS = 24 * 60 * 60 * 1000;

const DEMO_TEMPLATES: CloudTemplate[] = [
  {
    name: "order_ready",
    language: "en_US",
    category: "UTILITY",
    header: "Your order",
    body: "Hello, {{1}}! Your order {{2}} is ready. Reply to this message if you have any questions.",
    footer: "Tuberry Shop",
    params: 2,
  },
  {
    name: "order_ready",
    language: "ru",
    category: "UTILITY",
    header: "Ваш заказ",
    body: "Здравствуйте, {{1}}! Ваш заказ {{2}} готов. Ответьте на это сообщение, если остались вопросы.",
    footer: "Магазин Tuberry",
    params: 2,
  },
  {
    name: "follow_up",
    language: "ru",
    category: "UTILITY",
    header: null,
    body: "Здравствуйте! Мы подготовили ответ на ваш вопрос — ответьте на это сообщение, и мы продолжим.",
    footer: null,
    params: 0,
  },
];

function filledTemplate(template: CloudTemplate, params: string[]) {
  const body = template.body.replace(/\{\{(\d+)\}\}/g, (place, n: string) => params[Number(n) - 1] ?? place);
  return [template.header, body, template.footer].filter((part) => part && part.trim() !== "").join("\n\n");
}

/** Where the demo's LAN endpoint listens. */
const DEMO_LAN = "192.168.1.20:8080";

function madeUpToken() {
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from({ length: 32 }, () => letters[Math.floor(Math.random() * letters.length)]).join("");
}

export function createMockWhatsAppCloud(core: MockCore, deps: Deps) {
  const numbers = new Map<number, CloudNumber>();

  function replyWindow(conversationId: number): ReplyWindow | null {
    const conversation = core.conversations.get(conversationId);
    const number = conversation && numbers.get(conversation.channelAccountId);
    if (!conversation || !number) return null;
    const inbound = (deps.inbox.messages.get(conversationId) ?? []).filter((m) => m.direction === "in");
    const last = inbound.length === 0 ? null : Math.max(...inbound.map((m) => m.sentAt ?? m.createdAt));
    const closesAt = last == null ? null : last + WINDOW_MS;
    return {
      accountId: number.id,
      closesAt,
      open: closesAt != null && core.now() < closesAt,
      templates: number.businessAccountId != null,
    };
  }

  function templatesOf(accountId: number): Result<CloudTemplate[], ApiError> {
    const number = numbers.get(accountId);
    if (!number) return notFound(`WhatsApp Cloud API number ${accountId}`);
    if (number.businessAccountId == null) {
      return fail(
        "invalid_input",
        "the number has no WhatsApp Business Account ID: add it to list the account's message templates",
      );
    }
    return ok(DEMO_TEMPLATES);
  }

  const commands = {
    async listWhatsappCloudNumbers(): Promise<Result<CloudNumber[], ApiError>> {
      return ok([...numbers.values()]);
    },

    async addWhatsappCloudNumber(input: CloudNumberInput): Promise<Result<CloudNumberAdded, ApiError>> {
      const id = input.phoneNumberId.trim();
      if (!/^\d{1,32}$/.test(id)) {
        return fail(
          "invalid_input",
          "the phone number ID is the number's ID from Meta's WhatsApp settings: digits only (not the phone number itself)",
        );
      }
      if (input.accessToken.trim() === "") return fail("invalid_input", "the access token is empty");
      if (input.appSecret.trim() === "") return fail("invalid_input", "the app secret is empty");
      if ([...numbers.values()].some((n) => n.phoneNumberId === id)) {
        return fail("invalid_input", `the WhatsApp number ${id} is already added`);
      }
      const account = core.addAccount("whatsapp", input.name?.trim() || `WhatsApp ${id}`);
      const number: CloudNumber = {
        id: account.id,
        name: account.name,
        phoneNumberId: id,
        displayPhone: null,
        businessAccountId: input.businessAccountId?.trim() || null,
        webhookPath: `/webhooks/whatsapp/${account.id}`,
        apiUrl: null,
        apiVersion: "v23.0",
        projectId: null,
        state: "connected",
        lastError: null,
        addedAt: core.now(),
      };
      numbers.set(account.id, number);
      core.emit({ type: "account_changed", account_id: account.id });
      return ok({
        number,
        verifyToken: input.verifyToken?.trim() || madeUpToken(),
        webhookUrl: `http://${DEMO_LAN}${number.webhookPath}`,
      });
    },

    async updateWhatsappCloudNumber(
      accountId: number,
      update: CloudNumberUpdate,
    ): Promise<Result<CloudNumber, ApiError>> {
      const number = numbers.get(accountId);
      if (!number) return notFound(`WhatsApp Cloud API number ${accountId}`);
      if (update.name != null && update.name.trim() !== "") number.name = update.name.trim();
      if (update.businessAccountId != null) {
        const waba = update.businessAccountId.trim();
        if (waba !== "" && !/^\d{1,32}$/.test(waba)) {
          return fail("invalid_input", "the WhatsApp Business Account ID is digits only");
        }
        number.businessAccountId = waba || null;
      }
      if (update.accessToken != null) number.state = "connected";
      core.emit({ type: "account_changed", account_id: accountId });
      return ok(number);
    },

    async whatsappCloudTemplates(accountId: number): Promise<Result<CloudTemplate[], ApiError>> {
      return templatesOf(accountId);
    },

    async whatsappReplyWindow(conversationId: number): Promise<Result<ReplyWindow | null, ApiError>> {
      if (!core.conversations.has(conversationId)) return notFound(`conversation ${conversationId}`);
      return ok(replyWindow(conversationId));
    },

    async sendWhatsappTemplate(reply: TemplateReply): Promise<Result<Message, ApiError>> {
      const window = replyWindow(reply.conversationId);
      if (!window) return fail("invalid_input", "templates are sent only in conversations of a WhatsApp Cloud API number");
      const listed = templatesOf(window.accountId);
      if (listed.status === "error") return listed;
      const template = listed.data.find((t) => t.name === reply.name && t.language === reply.language);
      if (!template) {
        return fail(
          "invalid_input",
          `the template “${reply.name}” (${reply.language}) is not among the approved templates of the number`,
        );
      }
      if (reply.params.length !== template.params) {
        return fail("invalid_input", `the template “${template.name}” takes ${template.params} values, ${reply.params.length} given`);
      }
      if (reply.params.some((p) => p.trim() === "")) return fail("invalid_input", "a template value is empty");
      return ok(deps.inbox.reply(reply.conversationId, "manager", filledTemplate(template, reply.params)));
    },

    async removeWhatsappCloudNumber(accountId: number): Promise<Result<null, ApiError>> {
      if (!numbers.delete(accountId)) return notFound(`WhatsApp Cloud API number ${accountId}`);
      const account = core.accounts.find((a) => a.id === accountId);
      if (account) account.enabled = false;
      core.emit({ type: "account_changed", account_id: accountId });
      return ok(null);
    },
  };

  /** A Cloud API number's state in the one account model; null for other WhatsApp accounts. */
  function status(accountId: number): AccountStatus | null {
    const number = numbers.get(accountId);
    if (!number) return null;
    return { state: number.state, detail: null, lastError: number.lastError, lastConnectedAt: number.addedAt };
  }

  /** A customer who wrote to the number `agoMs` ago, as its webhook would bring them. */
  function conversation(accountId: number, name: string, phone: string, text: string, agoMs: number): number {
    const at = core.now() - agoMs;
    const contact = deps.addContact(name, [{ kind: "phone", value: phone }]);
    const started = deps.addConversation(contact, "whatsapp", null, at, accountId);
    const { updated } = deps.appendMessage(started, deps.customerMessage(text, at));
    core.emit({ type: "conversation_changed", conversation: updated });
    return updated.id;
  }

  return { commands, status, conversation };
}
