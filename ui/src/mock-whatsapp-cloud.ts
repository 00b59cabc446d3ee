// WhatsApp Business Cloud API numbers of the in-memory engine: a number with
// a phone number ID of digits and non-empty secrets is added (connected at
// once, as Meta calls in); the verify token is made up when none is given.
import type {
  AccountStatus,
  ApiError,
  CloudNumber,
  CloudNumberAdded,
  CloudNumberInput,
  CloudNumberUpdate,
  Result,
} from "./api";
import { fail, notFound, ok, type MockCore } from "./mock-shared";

/** Where the demo's LAN endpoint listens. */
const DEMO_LAN = "192.168.1.20:8080";

function madeUpToken() {
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from({ length: 32 }, () => letters[Math.floor(Math.random() * letters.length)]).join("");
}

export function createMockWhatsAppCloud(core: MockCore) {
  const numbers = new Map<number, CloudNumber>();

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
      if (update.accessToken != null) number.state = "connected";
      core.emit({ type: "account_changed", account_id: accountId });
      return ok(number);
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

  return { commands, status };
}
