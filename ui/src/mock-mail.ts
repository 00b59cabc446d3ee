// The mailboxes of the in-memory engine (as src/email/mod.rs): adding,
// checking, editing and removing them, and a connection that goes
// connecting → importing → listening on its own.
//
// The demo's mail servers answer by simple rules, to show every outcome:
// - a host containing "nowhere" does not resolve (dns);
// - a host containing "offline" does not answer (connect);
// - TLS on a STARTTLS port (IMAP 143, SMTP 587/25), or the other way round
//   (IMAP 993, SMTP 465), fails the handshake (tls);
// - the password "wrong" is refused by both servers (auth);
// - a folder whose name contains "missing" does not exist (folder);
// - an IMAP host containing "poll" has no IDLE: the mailbox polls.
import type {
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
import { fail, ok, type MockCore } from "./mock-shared";

const DEFAULT_FOLDER = "INBOX";
const DEFAULT_POLL_S = 60;

/** The address of the demo engine's own mailbox. */
export const DEMO_MAILBOX_ADDRESS = "shop@tuberry.example";

export type MailOptions = {
  /** How long a (re)started mailbox stays "connecting". */
  mailStartMs: number;
  /** How long importing the existing mail takes. */
  mailImportMs: number;
  /** How long "Test connection" (and the check before saving) takes. */
  mailProbeMs: number;
  hasProject: (projectId: number) => boolean;
};

type Settings = {
  address: string;
  login: string;
  imap: MailServer;
  smtp: MailServer;
  folder: string;
  moveTo: string | null;
  pollIntervalS: number;
  importDays: number | null;
};

type StoredMailbox = Settings & {
  accountId: number;
  password: string;
  state: MailboxState;
  lastError: MailError | null;
  import: ImportProgress | null;
  /** The existing mail has been read (only the first connection imports). */
  imported: boolean;
  /** Bumped on every (re)start, so timers of an earlier run stop. */
  run: number;
};

type Checked = { name: string; settings: Settings; password: string | null };

const trimmed = (server: MailServer): MailServer => ({ ...server, host: server.host.trim() });
const nonEmpty = (value: string | null | undefined) => value?.trim() || null;

/** What a person typed, checked as the engine's `checked` does. */
function checked(input: MailboxInput): Result<Checked, ApiError> {
  const name = input.name.trim();
  if (!name || [...name].length > 80) return fail("invalid_input", "a mailbox needs a name of 1 to 80 characters");
  const address = input.address.trim().toLowerCase();
  if (!/^[^\s@<>()",;]+@[^\s@<>()",;.][^\s@<>()",;]*$/.test(address)) {
    return fail("invalid_input", `\`${input.address.trim()}\` is not an e-mail address`);
  }
  for (const [what, server] of [
    ["IMAP", input.imap],
    ["SMTP", input.smtp],
  ] as const) {
    const host = server.host.trim();
    if (!host || /\s/.test(host) || host.includes("/")) {
      return fail("invalid_input", `the ${what} server needs a host name`);
    }
    if (!server.port) return fail("invalid_input", `the ${what} server needs a port`);
  }
  const pollIntervalS = input.pollIntervalS ?? DEFAULT_POLL_S;
  if (pollIntervalS < 10 || pollIntervalS > 3600) {
    return fail("invalid_input", "the polling interval must be between 10 and 3600 seconds");
  }
  const folder = nonEmpty(input.folder) ?? DEFAULT_FOLDER;
  const moveTo = nonEmpty(input.moveTo);
  if (moveTo === folder) {
    return fail("invalid_input", "processed mail cannot be moved to the folder it is read from");
  }
  return ok({
    name,
    settings: {
      address,
      login: nonEmpty(input.login) ?? address,
      imap: trimmed(input.imap),
      smtp: trimmed(input.smtp),
      folder,
      moveTo,
      pollIntervalS,
      importDays: input.importDays,
    },
    password: input.password || null,
  });
}

/** One server's verdict by the demo's rules (see the top of this file). */
function probeServer(kind: "imap" | "smtp", server: MailServer, password: string, folder: string): MailError | null {
  const host = server.host.toLowerCase();
  if (host.includes("nowhere")) {
    return { problem: "dns", message: `failed to look up ${server.host}: Name or service not known` };
  }
  if (host.includes("offline")) {
    return { problem: "connect", message: `connecting to ${server.host}:${server.port} timed out` };
  }
  const implicit = kind === "imap" ? [993] : [465];
  const plain = kind === "imap" ? [143] : [587, 25];
  if (server.security === "tls" && plain.includes(server.port)) {
    return { problem: "tls", message: "received corrupt message of type InvalidContentType" };
  }
  if (server.security !== "tls" && implicit.includes(server.port)) {
    return { problem: "tls", message: `${server.host}:${server.port} expects TLS from the first byte` };
  }
  if (password === "wrong") {
    return kind === "imap"
      ? { problem: "auth", message: "[AUTHENTICATIONFAILED] Invalid credentials (Failure)" }
      : { problem: "auth", message: "535 5.7.8 Username and Password not accepted" };
  }
  if (kind === "imap" && folder.toLowerCase().includes("missing")) {
    return { problem: "folder", message: `Mailbox doesn't exist: ${folder}` };
  }
  return null;
}

function probe(settings: Settings, password: string): ConnectionReport {
  return {
    imap: probeServer("imap", settings.imap, password, settings.folder),
    smtp: probeServer("smtp", settings.smtp, password, settings.folder),
  };
}

/** How many messages the demo "finds" to import. */
function importTotal(importDays: number | null): number {
  if (importDays === 0) return 0;
  if (importDays == null) return 1200;
  if (importDays === 30) return 120;
  if (importDays === 90) return 340;
  return Math.min(1200, importDays * 4);
}

/** The usual servers for an address's domain (as `guess_servers`). */
export function guessServers(address: string): MailServers {
  const at = address.lastIndexOf("@");
  const domain = at >= 0 ? address.slice(at + 1).trim().toLowerCase() : "";
  const known = (imap: string, smtp: string): MailServers => ({
    imap: { host: imap, port: 993, security: "tls" },
    smtp: { host: smtp, port: 465, security: "tls" },
  });
  switch (domain) {
    case "gmail.com":
    case "googlemail.com":
      return known("imap.gmail.com", "smtp.gmail.com");
    case "yandex.ru":
    case "ya.ru":
    case "yandex.com":
      return known("imap.yandex.ru", "smtp.yandex.ru");
    case "mail.ru":
    case "bk.ru":
    case "inbox.ru":
    case "list.ru":
      return known("imap.mail.ru", "smtp.mail.ru");
    case "outlook.com":
    case "hotmail.com":
    case "live.com":
      return {
        imap: { host: "outlook.office365.com", port: 993, security: "tls" },
        smtp: { host: "smtp.office365.com", port: 587, security: "starttls" },
      };
    default:
      return known(`imap.${domain}`, `smtp.${domain}`);
  }
}

export function createMockMail(core: MockCore, options: MailOptions) {
  const { accounts, emit } = core;
  const mailboxes = new Map<number, StoredMailbox>();
  /** Accounts of removed mailboxes by address: adding one again brings its account back. */
  const removed = new Map<string, number>();

  const changed = (accountId: number) => emit({ type: "mailbox_changed", account_id: accountId });
  const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  function view(mb: StoredMailbox): Mailbox {
    const account = accounts.find((a) => a.id === mb.accountId);
    return {
      accountId: mb.accountId,
      projectId: account?.projectId ?? null,
      name: account?.name ?? mb.address,
      address: mb.address,
      login: mb.login,
      imap: { ...mb.imap },
      smtp: { ...mb.smtp },
      folder: mb.folder,
      moveTo: mb.moveTo,
      pollIntervalS: mb.pollIntervalS,
      importDays: mb.importDays,
      state: mb.state,
      lastError: mb.lastError ? { ...mb.lastError } : null,
      import: mb.import ? { ...mb.import } : null,
    };
  }

  function set(mb: StoredMailbox, state: MailboxState, lastError: MailError | null = null, progress: ImportProgress | null = null) {
    mb.state = state;
    mb.lastError = lastError;
    mb.import = progress;
    changed(mb.accountId);
  }

  const connected = (mb: StoredMailbox) => set(mb, mb.imap.host.toLowerCase().includes("poll") ? "polling" : "listening");

  /** The receiver's side: connect, import the existing mail once, then wait for new mail. */
  function start(mb: StoredMailbox) {
    const run = ++mb.run;
    const current = () => mb.run === run && mailboxes.get(mb.accountId) === mb;
    set(mb, "connecting");
    setTimeout(() => {
      if (!current()) return;
      const error = probe(mb, mb.password).imap;
      if (error) return set(mb, "offline", error);
      const total = importTotal(mb.importDays);
      if (mb.imported || total === 0) {
        mb.imported = true;
        return connected(mb);
      }
      const steps = 10;
      let step = 0;
      set(mb, "importing", null, { done: 0, total });
      const tick = () => {
        if (!current()) return;
        step += 1;
        if (step >= steps) {
          mb.imported = true;
          return connected(mb);
        }
        set(mb, "importing", null, { done: Math.round((total * step) / steps), total });
        setTimeout(tick, options.mailImportMs / steps);
      };
      setTimeout(tick, options.mailImportMs / steps);
    }, options.mailStartMs);
  }

  /** Moves the mailbox's account to `projectId` and names it, as the engine's UPDATE does. */
  function place(accountId: number, name: string, projectId: number | null) {
    const account = accounts.find((a) => a.id === accountId);
    if (!account) return;
    const before = account.projectId;
    account.name = name;
    for (const c of core.conversations.values()) {
      if (c.channelAccountId === accountId && c.channelName !== name) {
        core.conversations.set(c.id, { ...c, channelName: name });
      }
    }
    core.touch();
    if (before !== projectId) {
      core.moveAccount(accountId, projectId);
      for (const id of [before, projectId]) if (id != null) emit({ type: "project_changed", project_id: id });
    }
  }

  /** The check before saving: both servers must accept the login. */
  async function refuseUnlessOk(settings: Settings, password: string): Promise<Result<null, ApiError>> {
    await later(options.mailProbeMs);
    const report = probe(settings, password);
    if (report.imap) return fail("unavailable", `IMAP: ${report.imap.message}`);
    if (report.smtp) return fail("unavailable", `SMTP: ${report.smtp.message}`);
    return ok(null);
  }

  const commands = {
    async listMailboxes(): Promise<Result<Mailbox[], ApiError>> {
      return ok(
        [...mailboxes.values()]
          .map(view)
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.accountId - b.accountId)),
      );
    },

    async addMailbox(input: MailboxInput): Promise<Result<Mailbox, ApiError>> {
      const input_ = checked(input);
      if (input_.status === "error") return input_;
      const { name, settings, password } = input_.data;
      if (!password) return fail("invalid_input", "the mailbox needs a password");
      if ([...mailboxes.values()].some((mb) => mb.address === settings.address)) {
        return fail("invalid_input", `${settings.address} is already connected`);
      }
      const refused = await refuseUnlessOk(settings, password);
      if (refused.status === "error") return refused;
      if (input.projectId != null && !options.hasProject(input.projectId)) {
        return fail("not_found", `project ${input.projectId}`);
      }
      // A removed mailbox of the same address comes back as the same account.
      let account = accounts.find((a) => a.id === removed.get(settings.address));
      if (account) account.enabled = true;
      else account = core.addAccount("email", name);
      removed.delete(settings.address);
      const mb: StoredMailbox = {
        ...settings,
        accountId: account.id,
        password,
        state: "connecting",
        lastError: null,
        import: null,
        imported: false,
        run: 0,
      };
      mailboxes.set(account.id, mb);
      place(account.id, name, input.projectId);
      start(mb);
      return ok(view(mb));
    },

    async updateMailbox(accountId: number, input: MailboxInput): Promise<Result<Mailbox, ApiError>> {
      const mb = mailboxes.get(accountId);
      if (!mb) return fail("not_found", `mailbox ${accountId}`);
      const input_ = checked(input);
      if (input_.status === "error") return input_;
      const { name, settings, password } = input_.data;
      if (settings.address !== mb.address) {
        return fail("invalid_input", "the address of a mailbox cannot change; add the other address as a new mailbox");
      }
      const same = (a: MailServer, b: MailServer) => a.host === b.host && a.port === b.port && a.security === b.security;
      const serversChanged =
        !same(settings.imap, mb.imap) ||
        !same(settings.smtp, mb.smtp) ||
        settings.login !== mb.login ||
        settings.folder !== mb.folder;
      if (serversChanged || password) {
        const refused = await refuseUnlessOk(settings, password ?? mb.password);
        if (refused.status === "error") return refused;
      }
      if (input.projectId != null && !options.hasProject(input.projectId)) {
        return fail("not_found", `project ${input.projectId}`);
      }
      if (settings.folder !== mb.folder) mb.imported = false;
      Object.assign(mb, settings);
      if (password) mb.password = password;
      place(accountId, name, input.projectId);
      start(mb);
      return ok(view(mb));
    },

    async removeMailbox(accountId: number): Promise<Result<null, ApiError>> {
      const mb = mailboxes.get(accountId);
      if (!mb) return fail("not_found", `mailbox ${accountId}`);
      mailboxes.delete(accountId);
      mb.run += 1;
      const account = accounts.find((a) => a.id === accountId);
      if (account) account.enabled = false;
      removed.set(mb.address, accountId);
      changed(accountId);
      return ok(null);
    },

    async testMailbox(input: MailboxInput, accountId: number | null): Promise<Result<ConnectionReport, ApiError>> {
      const input_ = checked(input);
      if (input_.status === "error") return input_;
      let password = input_.data.password;
      if (!password && accountId != null) {
        const mb = mailboxes.get(accountId);
        if (!mb) return fail("not_found", `mailbox ${accountId}`);
        password = mb.password;
      }
      if (!password) return fail("invalid_input", "the mailbox needs a password");
      await later(options.mailProbeMs);
      return ok(probe(input_.data.settings, password));
    },

    async guessMailServers(address: string): Promise<MailServers> {
      return guessServers(address);
    },
  };

  /** The demo's own mailbox, connected and listening, on an existing account. */
  function seed(accountId: number) {
    const servers = guessServers(DEMO_MAILBOX_ADDRESS);
    mailboxes.set(accountId, {
      ...servers,
      address: DEMO_MAILBOX_ADDRESS,
      login: DEMO_MAILBOX_ADDRESS,
      folder: DEFAULT_FOLDER,
      moveTo: null,
      pollIntervalS: DEFAULT_POLL_S,
      importDays: 30,
      accountId,
      password: "demo",
      state: "listening",
      lastError: null,
      import: null,
      imported: true,
      run: 0,
    });
  }

  /** Changes a mailbox's state as its receiver would (tests, demos). */
  function setState(accountId: number, state: MailboxState, lastError: MailError | null = null, progress: ImportProgress | null = null) {
    const mb = mailboxes.get(accountId);
    if (!mb) return;
    mb.run += 1;
    set(mb, state, lastError, progress);
  }

  return { commands, seed, setState };
}
