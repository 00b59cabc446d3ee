// What the mailbox screens compute: the form's draft and the input it sends,
// standard ports, and how a mailbox's state reads.
import type { MailSecurity, MailServer, Mailbox, MailboxInput, MailboxState } from "./api";

export type ServerKind = "imap" | "smtp";

/** The usual port for each kind of server and security mode. */
export const STANDARD_PORTS: Record<ServerKind, Record<MailSecurity, number>> = {
  imap: { tls: 993, starttls: 143, none: 143 },
  smtp: { tls: 465, starttls: 587, none: 25 },
};

const DEFAULT_POLL_S = 60;

/** The choices of "Import existing mail", as the select's values. */
export const IMPORT_CHOICES = ["30", "90", "all", "none"] as const;
export type ImportChoice = (typeof IMPORT_CHOICES)[number] | `days:${number}`;

export function importChoice(importDays: number | null): ImportChoice {
  if (importDays == null) return "all";
  if (importDays === 0) return "none";
  if (importDays === 30 || importDays === 90) return String(importDays) as ImportChoice;
  return `days:${importDays}`;
}

export function importDays(choice: ImportChoice): number | null {
  if (choice === "all") return null;
  if (choice === "none") return 0;
  return Number(choice.replace("days:", ""));
}

/**
 * A server as the form edits it: the port as typed, and the fingerprint of the
 * certificate the owner trusted for it (a self-signed one), or null.
 */
export type ServerDraft = { host: string; port: string; security: MailSecurity; trustedCert: string | null };

/** Everything the add/edit form holds, as typed. */
export type MailboxDraft = {
  name: string;
  address: string;
  login: string;
  password: string;
  imap: ServerDraft;
  smtp: ServerDraft;
  folder: string;
  moveTo: string;
  pollIntervalS: string;
  importChoice: ImportChoice;
  /** A project id, or "" for none. */
  projectId: string;
};

export const serverDraft = (server: MailServer): ServerDraft => ({
  host: server.host,
  port: String(server.port),
  security: server.security,
  trustedCert: server.trustedCert ?? null,
});

export function newDraft(): MailboxDraft {
  return {
    name: "",
    address: "",
    login: "",
    password: "",
    imap: { host: "", port: String(STANDARD_PORTS.imap.tls), security: "tls", trustedCert: null },
    smtp: { host: "", port: String(STANDARD_PORTS.smtp.tls), security: "tls", trustedCert: null },
    folder: "INBOX",
    moveTo: "",
    pollIntervalS: String(DEFAULT_POLL_S),
    importChoice: "30",
    projectId: "",
  };
}

/** The form filled with a mailbox's settings; the password stays empty (kept unless typed). */
export function draftOf(mailbox: Mailbox): MailboxDraft {
  return {
    name: mailbox.name,
    address: mailbox.address,
    // Shown empty when it is the address: the placeholder says so.
    login: mailbox.login === mailbox.address ? "" : mailbox.login,
    password: "",
    imap: serverDraft(mailbox.imap),
    smtp: serverDraft(mailbox.smtp),
    folder: mailbox.folder,
    moveTo: mailbox.moveTo ?? "",
    pollIntervalS: String(mailbox.pollIntervalS),
    importChoice: importChoice(mailbox.importDays),
    projectId: mailbox.projectId == null ? "" : String(mailbox.projectId),
  };
}

/** A port as typed, or 0 (which the engine refuses with its own words) when it is not one. */
function port(typed: string): number {
  const value = /^\s*\d+\s*$/.test(typed) ? Number(typed) : 0;
  return value > 0 && value <= 65535 ? value : 0;
}

const server = (draft: ServerDraft): MailServer => ({
  host: draft.host.trim(),
  port: port(draft.port),
  security: draft.security,
  // Sent only when the owner trusted a certificate for this server.
  ...(draft.trustedCert ? { trustedCert: draft.trustedCert } : {}),
});

/** What the engine is sent. The name falls back to the address; an empty password keeps the stored one. */
export function inputOf(draft: MailboxDraft): MailboxInput {
  const address = draft.address.trim();
  const poll = draft.pollIntervalS.trim();
  return {
    name: draft.name.trim() || address,
    address,
    login: draft.login.trim() || null,
    password: draft.password === "" ? null : draft.password,
    imap: server(draft.imap),
    smtp: server(draft.smtp),
    folder: draft.folder.trim() || null,
    moveTo: draft.moveTo.trim() || null,
    pollIntervalS: poll === "" ? null : /^\d+$/.test(poll) ? Number(poll) : 0,
    importDays: importDays(draft.importChoice),
    projectId: draft.projectId === "" ? null : Number(draft.projectId),
  };
}

/**
 * A server after its security mode changed: the port follows when it was the
 * standard one of the previous mode (or empty), and stays when it was chosen.
 */
export function withSecurity(kind: ServerKind, draft: ServerDraft, security: MailSecurity): ServerDraft {
  const previous = STANDARD_PORTS[kind][draft.security];
  const follows = draft.port.trim() === "" || port(draft.port) === previous;
  return { ...draft, security, port: follows ? String(STANDARD_PORTS[kind][security]) : draft.port };
}

/**
 * A server with another host: a certificate is trusted for one server, so the
 * one trusted before goes when the host changes.
 */
export function withHost(draft: ServerDraft, host: string): ServerDraft {
  const same = host.trim().toLowerCase() === draft.host.trim().toLowerCase();
  return { ...draft, host, trustedCert: same ? draft.trustedCert : null };
}

/** The guessed servers in place of the draft's: a trusted certificate stays with its host. */
export function refilled(
  current: Pick<MailboxDraft, "imap" | "smtp">,
  guessed: Pick<MailboxDraft, "imap" | "smtp">,
): Pick<MailboxDraft, "imap" | "smtp"> {
  const keep = (kind: ServerKind): ServerDraft => ({
    ...guessed[kind],
    trustedCert: withHost(current[kind], guessed[kind].host).trustedCert,
  });
  return { imap: keep("imap"), smtp: keep("smtp") };
}

/** A certificate's fingerprint as the engine writes it: upper-case hex pairs joined by colons. */
export function fingerprintPairs(fingerprint: string): string[] {
  return fingerprint.replace(/[^0-9a-f]/gi, "").toUpperCase().match(/.{1,2}/g) ?? [];
}

/** A fingerprint short enough for a line: its first and last four pairs. */
export function shortFingerprint(fingerprint: string): string {
  const pairs = fingerprintPairs(fingerprint);
  if (pairs.length <= 8) return pairs.join(":");
  return `${pairs.slice(0, 4).join(":")}…${pairs.slice(-4).join(":")}`;
}

/** The colour family of a mailbox's state badge. */
export function stateTone(state: MailboxState): "ok" | "pending" | "warn" | "off" {
  switch (state) {
    case "listening":
    case "polling":
      return "ok";
    case "connecting":
    case "importing":
      return "pending";
    case "offline":
      return "warn";
    default:
      return "off";
  }
}
