import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type ConnectionReport, type MailboxInput, type Project } from "../api";
import { useAction } from "../hooks";
import {
  IMPORT_CHOICES,
  inputOf,
  serverDraft,
  type ImportChoice,
  type MailboxDraft,
  type ServerDraft,
} from "../mailboxes";
import { AlertIcon, CheckIcon } from "./Icon";
import { ConnectionResult, ServerFields } from "./MailServerFields";

type Props = {
  initial: MailboxDraft;
  /** The mailbox being edited, or null for a new one. */
  accountId: number | null;
  projects: Project[];
  onSubmit: (input: MailboxInput) => Promise<void>;
  onCancel?: () => void;
};

const IMPORT_LABELS: Record<(typeof IMPORT_CHOICES)[number], string> = {
  "30": "mailboxForm.importLast30",
  "90": "mailboxForm.importLast90",
  all: "mailboxForm.importAll",
  none: "mailboxForm.importNone",
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
  const updateServer = (kind: "imap" | "smtp", value: ServerDraft) => {
    serversTouched.current = true;
    update({ [kind]: value });
  };

  const guessServers = async () => {
    const address = draft.address.trim();
    const empty = !draft.imap.host.trim() && !draft.smtp.host.trim();
    if (!creating || !address.includes("@") || (serversTouched.current && !empty)) return;
    guessFor.current = address;
    try {
      const servers = await api.guessMailServers(address);
      // The address changed again while guessing, or the person typed a server meanwhile.
      if (guessFor.current !== address || (serversTouched.current && !empty)) return;
      serversTouched.current = false;
      setDraft((d) => ({ ...d, imap: serverDraft(servers.imap), smtp: serverDraft(servers.smtp) }));
    } catch (error) {
      console.error("Could not guess the mail servers", error);
    }
  };

  const input = inputOf(draft);
  const changed = creating || JSON.stringify(input) !== JSON.stringify(inputOf(initial));
  const ready = input.address !== "";

  const runTest = () =>
    test.run(async () => {
      setReport(null);
      setReport(await api.testMailbox(input, accountId));
    });

  const submit = () => {
    if (busy || !ready || !changed) return;
    void save.run(async () => {
      await onSubmit(input);
      if (!creating) setSaved(true);
    });
  };

  const importChoices: ImportChoice[] = IMPORT_CHOICES.includes(draft.importChoice as (typeof IMPORT_CHOICES)[number])
    ? [...IMPORT_CHOICES]
    : [...IMPORT_CHOICES, draft.importChoice];
  const importLabel = (choice: ImportChoice) =>
    choice.startsWith("days:")
      ? t("mailboxForm.importDays", { n: Number(choice.slice(5)) })
      : t(IMPORT_LABELS[choice as (typeof IMPORT_CHOICES)[number]]);

  const error = save.error ?? test.error;
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

      <fieldset className="form-grid" disabled={busy}>
        <label className="field">
          <span className="field-label">{t("mailboxForm.folder")}</span>
          <input
            type="text"
            data-testid="mailbox-folder"
            value={draft.folder}
            onChange={(e) => update({ folder: e.target.value })}
            placeholder="INBOX"
            spellCheck={false}
          />
        </label>
        <label className="field">
          <span className="field-label">{t("mailboxForm.moveTo")}</span>
          <input
            type="text"
            data-testid="mailbox-move-to"
            value={draft.moveTo}
            onChange={(e) => update({ moveTo: e.target.value })}
            placeholder={t("mailboxForm.moveToPlaceholder")}
            spellCheck={false}
          />
        </label>
        <label className="field">
          <span className="field-label">{t("mailboxForm.pollInterval")}</span>
          <input
            type="text"
            inputMode="numeric"
            data-testid="mailbox-poll"
            value={draft.pollIntervalS}
            onChange={(e) => update({ pollIntervalS: e.target.value })}
            placeholder="60"
            maxLength={4}
          />
        </label>
        <label className="field">
          <span className="field-label">{t("mailboxForm.import")}</span>
          <select
            data-testid="mailbox-import"
            value={draft.importChoice}
            onChange={(e) => update({ importChoice: e.target.value as ImportChoice })}
          >
            {importChoices.map((choice) => (
              <option key={choice} value={choice}>
                {importLabel(choice)}
              </option>
            ))}
          </select>
        </label>
        <label className="field form-grid-wide">
          <span className="field-label">{t("mailboxForm.project")}</span>
          <select
            data-testid="mailbox-project"
            value={draft.projectId}
            onChange={(e) => update({ projectId: e.target.value })}
          >
            <option value="">{t("mailboxForm.noProject")}</option>
            {projects.map((project) => (
              <option key={project.id} value={String(project.id)}>
                {project.name}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
      <p className="hint">{t("mailboxForm.handlingHint")}</p>

      {report && <ConnectionResult report={report} />}
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
