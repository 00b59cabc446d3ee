import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type ConnectionReport, type MailboxInput, type Project } from "../api";
import { useAction } from "../hooks";
import { inputOf, refilled, serverDraft, type MailboxDraft, type ServerDraft, type ServerKind } from "../mailboxes";
import { AlertIcon, CheckIcon } from "./Icon";
import { ConnectionResult, HandlingFields, ServerFields } from "./MailboxFormParts";

type Props = {
  initial: MailboxDraft;
  /** The mailbox being edited, or null for a new one. */
  accountId: number | null;
  projects: Project[];
  onSubmit: (input: MailboxInput) => Promise<void>;
  onCancel?: () => void;
};

/** A mailbox's address, password, servers, folders and project, for adding or editing it. */
export function MailboxForm({ initial, accountId, projects, onSubmit, onCancel }: Props) {
  const { t } = useTranslation();
  const creating = accountId == null;
  const [draft, setDraft] = useState(initial);
  const [report, setReport] = useState<ConnectionReport | null>(null);
  const [saved, setSaved] = useState(false);
  // Servers the person typed stay; untouched ones follow the address.
  const serversTouched = useRef(false);
  const guessFor = useRef("");
  const test = useAction();
  const save = useAction();
  // Only the latest action's failure is shown.
  const [lastAction, setLastAction] = useState<"test" | "save">("save");
  const busy = test.busy || save.busy;

  // A saved mailbox comes back as the new starting point.
  useEffect(() => {
    setDraft(initial);
    serversTouched.current = false;
  }, [initial]);

  const update = (change: Partial<MailboxDraft>) => {
    setDraft((d) => ({ ...d, ...change }));
    setReport(null);
    setSaved(false);
  };
  const updateServer = (kind: ServerKind, value: ServerDraft) => {
    serversTouched.current = true;
    update({ [kind]: value });
  };

  const hasServers = (d: MailboxDraft) => d.imap.host.trim() !== "" || d.smtp.host.trim() !== "";

  /** The usual servers for the draft's address, or null (editing, no address yet, or it changed meanwhile). */
  const guessed = async (d: MailboxDraft): Promise<Pick<MailboxDraft, "imap" | "smtp"> | null> => {
    const address = d.address.trim();
    if (!creating || !address.includes("@")) return null;
    guessFor.current = address;
    try {
      // The usual servers for the address (this command never fails).
      const servers = await api.guessMailServers(address);
      if (guessFor.current !== address) return null;
      return { imap: serverDraft(servers.imap), smtp: serverDraft(servers.smtp) };
    } catch (error) {
      console.error("Could not guess the mail servers", error);
      return null;
    }
  };

  /** Fills the servers from the address unless the person typed some (a trusted certificate stays with its host). */
  const fill = (servers: Pick<MailboxDraft, "imap" | "smtp">) =>
    setDraft((d) => (serversTouched.current && hasServers(d) ? d : { ...d, ...refilled(d, servers) }));

  const guessServers = async () => {
    if (serversTouched.current && hasServers(draft)) return;
    const servers = await guessed(draft);
    if (servers) fill(servers);
  };

  /**
   * The draft to act on: when the servers are still empty (a button pressed
   * right after typing the address), guessed first.
   */
  const prepared = async (from: MailboxDraft = draft): Promise<MailboxDraft> => {
    if (hasServers(from)) return from;
    const servers = await guessed(from);
    if (!servers) return from;
    fill(servers);
    return { ...from, ...servers };
  };

  const input = inputOf(draft);
  const changed = creating || JSON.stringify(input) !== JSON.stringify(inputOf(initial));
  const ready = input.address !== "";

  /** Tests `from`: the draft as shown, or one just changed (state is not updated yet). */
  const runTest = (from: MailboxDraft = draft) => {
    setLastAction("test");
    return test.run(async () => {
      setReport(null);
      const checked = await prepared(from);
      setReport(await api.testMailbox(inputOf(checked), accountId));
    });
  };

  /** Trusts the certificate a server showed, and tests again straight away. */
  const trust = (kind: ServerKind, fingerprint: string) => {
    if (busy) return;
    const next = { ...draft, [kind]: { ...draft[kind], trustedCert: fingerprint } };
    setDraft(next);
    setSaved(false);
    void runTest(next);
  };

  const submit = () => {
    if (busy || !ready || !changed) return;
    setLastAction("save");
    void save.run(async () => {
      await onSubmit(inputOf(await prepared()));
      if (!creating) setSaved(true);
    });
  };

  const error = lastAction === "test" ? test.error : save.error;
  return (
    <form
      className="mailbox-form"
      data-testid="mailbox-form"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <fieldset className="form-grid" disabled={busy}>
        <label className="field">
          <span className="field-label">{t("mailboxForm.address")}</span>
          <input
            type="text"
            inputMode="email"
            data-testid="mailbox-address"
            value={draft.address}
            onChange={(e) => update({ address: e.target.value })}
            onBlur={() => void guessServers()}
            placeholder="shop@example.com"
            readOnly={!creating}
            title={creating ? undefined : t("mailboxForm.addressFixed")}
            autoComplete="off"
            autoFocus={creating}
            spellCheck={false}
          />
        </label>
        <label className="field">
          <span className="field-label">{t("mailboxForm.name")}</span>
          <input
            type="text"
            data-testid="mailbox-name"
            value={draft.name}
            onChange={(e) => update({ name: e.target.value })}
            placeholder={draft.address.trim() || t("mailboxForm.namePlaceholder")}
            maxLength={80}
          />
        </label>
        <label className="field">
          <span className="field-label">{t("mailboxForm.password")}</span>
          <input
            type="password"
            data-testid="mailbox-password"
            value={draft.password}
            onChange={(e) => update({ password: e.target.value })}
            placeholder={creating ? undefined : t("mailboxForm.passwordKeepPlaceholder")}
            autoComplete="new-password"
          />
        </label>
        <label className="field">
          <span className="field-label">{t("mailboxForm.login")}</span>
          <input
            type="text"
            data-testid="mailbox-login"
            value={draft.login}
            onChange={(e) => update({ login: e.target.value })}
            placeholder={t("mailboxForm.loginPlaceholder")}
            autoComplete="off"
            spellCheck={false}
          />
        </label>
      </fieldset>
      <p className="hint" data-testid="mailbox-password-hint">
        {creating ? t("mailboxForm.passwordHint") : t("mailboxForm.passwordKeep")}
      </p>

      <div className="server-grid">
        <ServerFields kind="imap" value={draft.imap} onChange={(v) => updateServer("imap", v)} disabled={busy} />
        <ServerFields kind="smtp" value={draft.smtp} onChange={(v) => updateServer("smtp", v)} disabled={busy} />
      </div>

      <HandlingFields draft={draft} projects={projects} onChange={update} disabled={busy} />

      {report && <ConnectionResult report={report} onTrust={trust} />}
      {error && (
        <p className="form-error" data-testid="mailbox-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
      <div className="form-actions">
        <button
          type="submit"
          className="button button--primary"
          data-testid="mailbox-save"
          disabled={busy || !ready || !changed}
          aria-busy={save.busy}
        >
          {save.busy && <span className="spinner" aria-hidden="true" />}
          {creating
            ? save.busy
              ? t("mailboxForm.adding")
              : t("mailboxForm.add")
            : save.busy
              ? t("mailboxForm.saving")
              : t("mailboxForm.save")}
        </button>
        <button
          type="button"
          className="button"
          data-testid="mailbox-test"
          onClick={() => void runTest()}
          disabled={busy || !ready}
          aria-busy={test.busy}
        >
          {test.busy && <span className="spinner" aria-hidden="true" />}
          {test.busy ? t("mailboxForm.testing") : t("mailboxForm.test")}
        </button>
        {onCancel && (
          <button type="button" className="button button--quiet" onClick={onCancel} disabled={save.busy}>
            {t("mailboxForm.cancel")}
          </button>
        )}
        {saved && (
          <span className="form-saved" data-testid="mailbox-saved" role="status">
            <CheckIcon size={14} />
            {t("mailboxForm.saved")}
          </span>
        )}
      </div>
    </form>
  );
}
