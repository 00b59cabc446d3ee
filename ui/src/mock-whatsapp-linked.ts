// The shop's WhatsApp numbers linked as devices in the in-memory engine: the
// numbers with their flags, and link attempts that stay where they are until
// a test moves them on (`moveWhatsappLink`) or, in a plain browser, until the
// demo's phone "scans" the QR code or "types" the pairing code after a few
// seconds. In the demo the QR code is also replaced now and then, as
// WhatsApp rotates it.
import type {
  AccountStatus,
  ApiError,
  LinkStart,
  LoginAttempt,
  Result,
  WhatsAppFlags,
  WhatsAppNumber,
} from "./api";
import { fail, notFound, ok, type MockCore } from "./mock-shared";

/** How long a link attempt lasts (the engine's `qr_timeout_s`). */
const LINK_TIMEOUT_MS = 180_000;
/** How long one QR code stays valid before WhatsApp offers the next. */
const QR_VALID_MS = 20_000;
/** The demo's pairing code, as WhatsApp gives it. */
export const DEMO_PAIR_CODE = "K7QM-P2XD";
/** The demo's own number, linked when the QR code is scanned. */
const DEMO_PHONE = "+79035550142";
const DEMO_PUSH_NAME = "Tuberry Shop";

/**
 * A stand-in drawing for a QR code (the engine draws the real one): three
 * finder squares and modules made up from `seed`, so each rotation looks
 * different.
 */
export function demoQr(seed: number): string {
  const size = 25;
  let state = (seed * 2654435761) >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const finder = (x: number, y: number) => `M${x} ${y}h7v7h-7zM${x + 1} ${y + 1}v5h5v-5zM${x + 2} ${y + 2}h3v3h-3z`;
  const inFinder = (x: number, y: number) =>
    (x < 8 && y < 8) || (x >= size - 8 && y < 8) || (x < 8 && y >= size - 8);
  let modules = "";
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!inFinder(x, y) && random() < 0.48) modules += `M${x} ${y}h1v1h-1z`;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-2 -2 ${size + 4} ${size + 4}" shape-rendering="crispEdges">` +
    `<rect x="-2" y="-2" width="${size + 4}" height="${size + 4}" fill="#fff"/>` +
    `<path fill-rule="evenodd" d="${finder(0, 0)}${finder(size - 7, 0)}${finder(0, size - 7)}" fill="#000"/>` +
    `<path d="${modules}" fill="#000"/></svg>`
  );
}

/** The digits of a phone number with its country code, or why it is not one (as the engine says). */
function phoneDigits(phone: string): { digits: string } | { problem: string } {
  const trimmed = phone.trim();
  if (trimmed === "") return { problem: "enter the shop's WhatsApp number" };
  if (!/^[\d+\s\-()]+$/.test(trimmed)) {
    return { problem: "the number may hold only digits, spaces, dashes, brackets and a leading +" };
  }
  const digits = trimmed.replace(/\D/g, "");
  if (digits.length < 7 || digits.length > 15 || digits.startsWith("0")) {
    return { problem: "enter the number with its country code, e.g. +7 999 123-45-67" };
  }
  return { digits };
}

export function createMockWhatsAppLinked(
  core: MockCore,
  options: { scanAfterMs?: number; rotateQrMs?: number },
) {
  const numbers = new Map<number, WhatsAppNumber>();
  const attempts = new Map<string, LoginAttempt>();
  /** The number each pairing-code attempt links. */
  const phones = new Map<string, string>();
  const timers = new Map<string, ReturnType<typeof setTimeout>[]>();
  let nextLink = 1;
  let nextQr = 1;

  const stopTimers = (id: string) => {
    for (const timer of timers.get(id) ?? []) clearTimeout(timer);
    timers.delete(id);
  };
  const later = (id: string, ms: number, run: () => void) => {
    timers.set(id, [...(timers.get(id) ?? []), setTimeout(run, ms)]);
  };

  /** Keeps a linked number, as the engine does once the phone has linked the device. */
  function link(projectId: number | null, phone: string, pushName: string | null, name?: string): WhatsAppNumber {
    const account = core.addAccount("whatsapp", name ?? pushName ?? phone);
    core.moveAccount(account.id, projectId);
    const number: WhatsAppNumber = {
      id: account.id,
      projectId,
      name: account.name,
      phone,
      pushName,
      flags: { privateChats: true, groups: false },
      unlinkedReason: null,
      createdAt: core.now(),
    };
    numbers.set(account.id, number);
    core.emit({ type: "account_changed", account_id: account.id });
    return number;
  }

  /** Moves an attempt on as the engine would: a new QR code, scanned (connected), expired, failed… */
  const move = (id: string, change: Partial<LoginAttempt>) => {
    const attempt = attempts.get(id);
    if (!attempt) return;
    const next = { ...attempt, ...change };
    if (next.state === "connected" && next.accountId == null) {
      const pushName = next.accountName ?? DEMO_PUSH_NAME;
      const number = link(next.projectId, phones.get(id) ?? DEMO_PHONE, pushName);
      next.accountId = number.id;
      next.accountName = pushName;
    }
    if (next.state === "connected" || next.state === "expired" || next.state === "error") {
      next.qrUrl = null;
      next.qrSvg = null;
      next.pairCode = null;
      next.tokenExpiresAt = null;
      stopTimers(id);
    }
    attempts.set(id, next);
    core.emit({ type: "login_changed", login_id: id });
  };

  /** The next QR code WhatsApp offers. */
  const freshQr = () => {
    const n = nextQr++;
    return {
      qrUrl: `2@demo${n},linkdevice${n},tuberry==`,
      qrSvg: demoQr(n),
      tokenExpiresAt: core.now() + QR_VALID_MS,
    };
  };

  const rotate = (id: string) => {
    const attempt = attempts.get(id);
    if (!attempt || attempt.state !== "waiting_for_scan" || attempt.qrSvg == null) return;
    move(id, freshQr());
    if (options.rotateQrMs != null) later(id, options.rotateQrMs, () => rotate(id));
  };

  const commands = {
    async listWhatsappNumbers(): Promise<Result<WhatsAppNumber[], ApiError>> {
      // A number belongs to the project its account is in.
      const projectOf = (n: WhatsAppNumber) => core.accounts.find((a) => a.id === n.id)?.projectId ?? n.projectId;
      return ok([...numbers.values()].map((n) => ({ ...n, projectId: projectOf(n), flags: { ...n.flags } })));
    },

    async setWhatsappFlags(accountId: number, flags: WhatsAppFlags): Promise<Result<WhatsAppNumber, ApiError>> {
      const number = numbers.get(accountId);
      if (!number) return notFound(`WhatsApp number ${accountId}`);
      number.flags = { privateChats: flags.privateChats, groups: flags.groups };
      core.emit({ type: "account_changed", account_id: accountId });
      return ok({ ...number, flags: { ...number.flags } });
    },

    async removeWhatsappNumber(accountId: number): Promise<Result<null, ApiError>> {
      if (!numbers.delete(accountId)) return notFound(`WhatsApp number ${accountId}`);
      const account = core.accounts.find((a) => a.id === accountId);
      if (account) account.enabled = false;
      core.emit({ type: "account_changed", account_id: accountId });
      return ok(null);
    },

    async startWhatsappLink(start: LinkStart): Promise<Result<LoginAttempt, ApiError>> {
      let phone: string | null = null;
      if (start.method.method === "code") {
        const checked = phoneDigits(start.method.phone);
        if ("problem" in checked) return fail("invalid_input", checked.problem);
        phone = `+${checked.digits}`;
      }
      const id = `wa-link-${nextLink++}`;
      const attempt: LoginAttempt = {
        id,
        kind: "whatsapp",
        projectId: start.projectId,
        state: "waiting_for_scan",
        ...(phone == null ? freshQr() : { qrUrl: null, qrSvg: null, tokenExpiresAt: null }),
        pairCode: phone == null ? null : DEMO_PAIR_CODE,
        expiresAt: core.now() + LINK_TIMEOUT_MS,
        passwordHint: null,
        wrongAnswer: false,
        accountId: null,
        accountName: null,
        error: null,
      };
      attempts.set(id, attempt);
      if (phone != null) phones.set(id, phone);
      if (options.rotateQrMs != null && phone == null) later(id, options.rotateQrMs, () => rotate(id));
      if (options.scanAfterMs != null) later(id, options.scanAfterMs, () => move(id, { state: "connected" }));
      return ok({ ...attempt });
    },

    async whatsappLink(loginId: string): Promise<Result<LoginAttempt, ApiError>> {
      const attempt = attempts.get(loginId);
      return attempt ? ok({ ...attempt }) : notFound(`link attempt ${loginId}`);
    },

    async cancelWhatsappLink(loginId: string): Promise<Result<null, ApiError>> {
      stopTimers(loginId);
      attempts.delete(loginId);
      phones.delete(loginId);
      return ok(null);
    },
  };

  /** A linked number's state in the one account model; null for other WhatsApp accounts. */
  function status(accountId: number): AccountStatus | null {
    const number = numbers.get(accountId);
    if (!number) return null;
    if (number.unlinkedReason != null) {
      const lastConnectedAt = number.createdAt;
      return { state: "bad_credentials", detail: null, lastError: number.unlinkedReason, lastConnectedAt };
    }
    return { state: "connected", detail: null, lastError: null, lastConnectedAt: number.createdAt };
  }

  /** The demo's number: the seeded WhatsApp conversations' account, linked already. */
  function seed(accountId: number, phone: string, pushName: string) {
    const account = core.accounts.find((a) => a.id === accountId);
    if (!account) return;
    numbers.set(accountId, {
      id: accountId,
      projectId: account.projectId,
      name: account.name,
      phone,
      pushName,
      flags: { privateChats: true, groups: false },
      unlinkedReason: null,
      createdAt: core.now() - 12 * 24 * 3_600_000,
    });
  }

  /** WhatsApp ended the link from the phone (or logged the device out), with its reason. */
  function unlinked(accountId: number, reason: string) {
    const number = numbers.get(accountId);
    if (!number) return;
    number.unlinkedReason = reason;
    core.emit({ type: "account_changed", account_id: accountId });
  }

  return {
    commands,
    move,
    link,
    seed,
    unlinked,
    status,
    attempts: () => [...attempts.values()].map((a) => ({ ...a })),
  };
}
