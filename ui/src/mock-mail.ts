// The mailboxes of the in-memory engine: kept as saved, with a connection
// that goes connecting → importing → listening on its own. The demo's servers
// accept every mailbox and every connection test, except a server under
// self-signed.test, which shows a self-signed certificate until the owner
// trusts it; the servers it "guesses" are the same demo ones (those of
// self-signed.test for an address there).
import type {
  AccountState,
  AccountStatus,
  ApiError,
  ConnectionReport,
  ImportProgress,
  MailError,
  MailServer,
  MailServers,
  Mailbox,
  MailboxInput,
  MailboxState,
  Result,
} from "./api";
import { fail, later, notFound, ok, type MockCore } from "./mock-shared";

/** The address of the demo engine's own mailbox. */
export const DEMO_MAILBOX_ADDRESS = "shop@tuberry.example";

/** The servers the demo "guesses" for any address. */
const DEMO_SERVERS: MailServers = {
  imap: { host: "imap.tuberry.example", port: 993, security: "tls" },
  smtp: { host: "smtp.tuberry.example", port: 465, security: "tls" },
};

/** The demo's server with a self-signed certificate: this host, or any under it. */
export const SELF_SIGNED_HOST = "self-signed.test";

/** The SHA-256 fingerprint of that server's certificate. */
export const SELF_SIGNED_FINGERPRINT =
  "3A:7F:C2:19:88:E4:5B:0D:A1:6C:F3:42:9E:27:B8:D5:04:6A:EE:91:3C:58:B7:12:CD:80:4F:E9:65:A3:1B:7E";

/** A fingerprint as the engine writes it (it accepts any case, with or without colons). */
const canonical = (fingerprint: string) =>
  (fingerprint.replace(/[^0-9a-f]/gi, "").toUpperCase().match(/.{1,2}/g) ?? []).join(":");

/** What the engine says of a server's certificate: null when it is accepted. */
function certificateRefusal(server: MailServer): MailError | null {
  const host = server.host.toLowerCase();
  if (server.security === "none" || (host !== SELF_SIGNED_HOST && !host.endsWith(`.${SELF_SIGNED_HOST}`))) return null;
  const fingerprint = SELF_SIGNED_FINGERPRINT;
  const trusted = server.trustedCert ? canonical(server.trustedCert) : null;
  if (trusted === fingerprint) return null;
  const message = trusted
    ? `${server.host} shows a different certificate than the one trusted for it (now SHA-256 ${fingerprint}, ` +
      `trusted ${trusted}); trust the new one only if the server's administrator says they changed it`
    : `${server.host}'s certificate is not trusted (invalid peer certificate: UnknownIssuer); its SHA-256 fingerprint ` +
      `is ${fingerprint}: trust it for this server if the server's administrator confirms it`;
  return { problem: "tls", message, certificate: { fingerprint, trusted } };
}

/** How many messages a new mailbox "finds" to import. */
const IMPORT_TOTAL = 340;

export type MailOptions = {
  /** How long a (re)started mailbox stays "connecting". */
  mailStartMs: number;
  /** How long importing the existing mail takes. */
  mailImportMs: number;
  /** How long "Test connection" (and adding or saving) takes. */
  mailProbeMs: number;
};

type StoredMailbox = Omit<Mailbox, "projectId" | "name"> & {
  /** Bumped on every (re)start, so timers of an earlier run stop. */
  run: number;
  /** When it last got connected (importing, listening or polling). */
  connectedAt: number | null;
};

const CONNECTED: readonly MailboxState[] = ["importing", "listening", "polling"];

/** A mailbox's state in the one account model, as the engine's mail adapter reads it. */
function accountState(mb: StoredMailbox): AccountState {
  if (CONNECTED.includes(mb.state)) return "connected";
  if (mb.state === "offline") return mb.lastError?.problem === "auth" ? "bad_credentials" : "offline";
  return mb.state === "connecting" ? "connecting" : "stopped";
}

export function createMockMail(core: MockCore, options: MailOptions) {
  const { accounts, emit } = core;
  const mailboxes = new Map<number, StoredMailbox>();

  function view(mb: StoredMailbox): Mailbox {
    const { run: _run, connectedAt: _connectedAt, ...rest } = mb;
    const account = accounts.find((a) => a.id === mb.accountId);
    return { ...rest, projectId: account?.projectId ?? null, name: account?.name ?? mb.address };
  }

  function set(mb: StoredMailbox, state: MailboxState, lastError: MailError | null = null, progress: ImportProgress | null = null) {
    if (CONNECTED.includes(state) && !CONNECTED.includes(mb.state)) mb.connectedAt = core.now();
    mb.state = state;
    mb.lastError = lastError;
    mb.import = progress;
    emit({ type: "account_changed", account_id: mb.accountId });
  }

  /** The receiver's side: connect, import the existing mail when asked to, then wait for new mail. */
  function start(mb: StoredMailbox, importing: boolean) {
    const run = ++mb.run;
    const current = () => mb.run === run && mailboxes.get(mb.accountId) === mb;
    set(mb, "connecting");
    const steps = 10;
    const step = (n: number) => {
      if (!current()) return;
      if (n >= steps) return set(mb, "listening");
      set(mb, "importing", null, { done: Math.round((IMPORT_TOTAL * n) / steps), total: IMPORT_TOTAL });
      setTimeout(() => step(n + 1), options.mailImportMs / steps);
    };
    setTimeout(() => (importing ? step(0) : current() && set(mb, "listening")), options.mailStartMs);
  }

  /** What is kept of a mailbox as typed in (the engine's defaults where it was left empty). */
  const stored = (accountId: number, input: MailboxInput, run: number, connectedAt: number | null = null): StoredMailbox => ({
    accountId,
    address: input.address,
    login: input.login ?? input.address,
    imap: { ...input.imap },
    smtp: { ...input.smtp },
    folder: input.folder ?? "INBOX",
    moveTo: input.moveTo,
    pollIntervalS: input.pollIntervalS ?? 60,
    importDays: input.importDays,
    state: "connecting",
    lastError: null,
    import: null,
    run,
    connectedAt,
  });

  /** Names the mailbox's account and moves it to `projectId`, as the engine's UPDATE does. */
  function place(accountId: number, name: string, projectId: number | null) {
    const account = accounts.find((a) => a.id === accountId)!;
    const before = account.projectId;
    account.name = name;
    for (const c of core.conversations.values()) {
      if (c.channelAccountId === accountId) core.conversations.set(c.id, { ...c, channelName: name });
    }
    core.moveAccount(accountId, projectId);
    if (before === projectId) return;
    for (const id of [before, projectId]) if (id != null) emit({ type: "project_changed", project_id: id });
  }

  /** Adding or saving checks both servers first, as the engine does: the first refusal's words, or null. */
  function refusal(input: MailboxInput): string | null {
    for (const [name, server] of [["IMAP", input.imap], ["SMTP", input.smtp]] as const) {
      const error = certificateRefusal(server);
      if (error) return `${name}: ${error.message}`;
    }
    return null;
  }

  const commands = {
    async listMailboxes(): Promise<Result<Mailbox[], ApiError>> {
      return ok([...mailboxes.values()].map(view));
    },

    async addMailbox(input: MailboxInput): Promise<Result<Mailbox, ApiError>> {
      await later(options.mailProbeMs);
      const refused = refusal(input);
      if (refused) return fail("unavailable", refused);
      const account = core.addAccount("email", input.name);
      const mb = stored(account.id, input, 0);
      mailboxes.set(account.id, mb);
      place(account.id, input.name, input.projectId);
      start(mb, input.importDays !== 0);
      return ok(view(mb));
    },

    async updateMailbox(accountId: number, input: MailboxInput): Promise<Result<Mailbox, ApiError>> {
      const before = mailboxes.get(accountId);
      if (!before) return notFound(`mailbox ${accountId}`);
      await later(options.mailProbeMs);
      const refused = refusal(input);
      if (refused) return fail("unavailable", refused);
      const mb = stored(accountId, input, before.run, before.connectedAt);
      mailboxes.set(accountId, mb);
      place(accountId, input.name, input.projectId);
      start(mb, false);
      return ok(view(mb));
    },

    async removeMailbox(accountId: number): Promise<Result<null, ApiError>> {
      if (!mailboxes.delete(accountId)) return notFound(`mailbox ${accountId}`);
      const account = accounts.find((a) => a.id === accountId);
      if (account) account.enabled = false;
      emit({ type: "account_changed", account_id: accountId });
      return ok(null);
    },

    async testMailbox(input: MailboxInput): Promise<Result<ConnectionReport, ApiError>> {
      await later(options.mailProbeMs);
      return ok({ imap: certificateRefusal(input.imap), smtp: certificateRefusal(input.smtp) });
    },

    async guessMailServers(address: string): Promise<MailServers> {
      const domain = address.split("@").pop()!.trim().toLowerCase();
      if (domain === SELF_SIGNED_HOST) {
        return {
          imap: { ...DEMO_SERVERS.imap, host: `imap.${domain}` },
          smtp: { ...DEMO_SERVERS.smtp, host: `smtp.${domain}` },
        };
      }
      return { imap: { ...DEMO_SERVERS.imap }, smtp: { ...DEMO_SERVERS.smtp } };
    },
  };

  /** The demo's own mailbox, connected and listening, on an existing account. */
  function seed(accountId: number) {
    const input: MailboxInput = {
      ...DEMO_SERVERS,
      name: "",
      address: DEMO_MAILBOX_ADDRESS,
      login: null,
      password: null,
      folder: null,
      moveTo: null,
      pollIntervalS: null,
      importDays: 30,
      projectId: null,
    };
    mailboxes.set(accountId, { ...stored(accountId, input, 0, core.now() - 2 * 60 * 60_000), state: "listening" });
  }

  /** A mailbox's state in the one account model (null when it is no mailbox). */
  function status(accountId: number): AccountStatus | null {
    const mb = mailboxes.get(accountId);
    if (!mb) return null;
    return {
      state: accountState(mb),
      detail: mb.state,
      lastError: mb.lastError?.message ?? null,
      lastConnectedAt: mb.connectedAt,
    };
  }

  /** Changes a mailbox's state as its receiver would (tests, demos). */
  function setState(accountId: number, state: MailboxState, lastError: MailError | null = null, progress: ImportProgress | null = null) {
    const mb = mailboxes.get(accountId);
    if (!mb) return;
    mb.run += 1;
    set(mb, state, lastError, progress);
  }

  return { commands, seed, setState, status };
}
