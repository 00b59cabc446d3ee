import { useTranslation } from "react-i18next";
// The parts of the mailbox form: a server's fields, the mail handling
// fields, and what "Test connection" found.
import {
  MAIL_SECURITIES,
  type ConnectionReport,
  type MailError,
  type MailSecurity,
  type Project,
  type ServerCertificate,
} from "../api";
import {
  IMPORT_CHOICES,
  shortFingerprint,
  withHost,
  withSecurity,
  type ImportChoice,
  type MailboxDraft,
  type ServerDraft,
  type ServerKind,
} from "../mailboxes";
import { CheckIcon, CrossIcon } from "./Icon";
import { MailErrorDetails } from "./MailboxRow";

/** Host, port and security of one server (IMAP or SMTP). */
export function ServerFields({
  kind,
  value,
  onChange,
  disabled,
}: {
  kind: ServerKind;
  value: ServerDraft;
  onChange: (next: ServerDraft) => void;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  return (
    <fieldset className="server-fields" disabled={disabled}>
      <legend>{t(`mailboxForm.${kind}`)}</legend>
      <label className="field server-host">
        <span className="field-label">{t("mailboxForm.host")}</span>
        <input
          type="text"
          data-testid={`${kind}-host`}
          value={value.host}
          onChange={(e) => onChange(withHost(value, e.target.value))}
          placeholder={kind === "imap" ? "imap.example.com" : "smtp.example.com"}
          autoComplete="off"
          spellCheck={false}
        />
      </label>
      <label className="field server-port">
        <span className="field-label">{t("mailboxForm.port")}</span>
        <input
          type="text"
          inputMode="numeric"
          data-testid={`${kind}-port`}
          value={value.port}
          onChange={(e) => onChange({ ...value, port: e.target.value })}
          maxLength={5}
          autoComplete="off"
        />
      </label>
      <label className="field server-security">
        <span className="field-label">{t("mailboxForm.security")}</span>
        <select
          data-testid={`${kind}-security`}
          value={value.security}
          onChange={(e) => onChange(withSecurity(kind, value, e.target.value as MailSecurity))}
        >
          {MAIL_SECURITIES.map((security) => (
            <option key={security} value={security}>
              {t(`mailboxForm.securityOption.${security}`)}
            </option>
          ))}
        </select>
      </label>
      {value.trustedCert && (
        <p className="server-trusted" data-testid={`mailbox-trusted-${kind}`}>
          <span className="server-trusted-label">{t("mailboxForm.trustedCert")}</span>{" "}
          <code className="server-trusted-fingerprint selectable" title={value.trustedCert}>
            {shortFingerprint(value.trustedCert)}
          </code>{" "}
          <button
            type="button"
            className="link-button"
            data-testid={`mailbox-trusted-forget-${kind}`}
            onClick={() => onChange({ ...value, trustedCert: null })}
            title={t("mailboxForm.trustedCertForgetHint")}
          >
            {t("mailboxForm.trustedCertForget")}
          </button>
        </p>
      )}
    </fieldset>
  );
}

const IMPORT_LABELS: Record<(typeof IMPORT_CHOICES)[number], string> = {
  "30": "mailboxForm.importLast30",
  "90": "mailboxForm.importLast90",
  all: "mailboxForm.importAll",
  none: "mailboxForm.importNone",
};

/** Where mail is read from and moved to, how often to look, what to import, the project. */
export function HandlingFields({
  draft,
  projects,
  onChange,
  disabled,
}: {
  draft: MailboxDraft;
  projects: Project[];
  onChange: (change: Partial<MailboxDraft>) => void;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  // A number of days set elsewhere (the command line) stays a choice.
  const choices: ImportChoice[] = (IMPORT_CHOICES as readonly string[]).includes(draft.importChoice)
    ? [...IMPORT_CHOICES]
    : [...IMPORT_CHOICES, draft.importChoice];
  const label = (choice: ImportChoice) =>
    choice.startsWith("days:")
      ? t("mailboxForm.importDays", { n: Number(choice.slice(5)) })
      : t(IMPORT_LABELS[choice as (typeof IMPORT_CHOICES)[number]]);
  return (
    <>
      <fieldset className="form-grid" disabled={disabled}>
        <label className="field">
          <span className="field-label">{t("mailboxForm.folder")}</span>
          <input
            type="text"
            data-testid="mailbox-folder"
            value={draft.folder}
            onChange={(e) => onChange({ folder: e.target.value })}
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
            onChange={(e) => onChange({ moveTo: e.target.value })}
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
            onChange={(e) => onChange({ pollIntervalS: e.target.value })}
            placeholder="60"
            maxLength={4}
          />
        </label>
        <label className="field">
          <span className="field-label">{t("mailboxForm.import")}</span>
          <select
            data-testid="mailbox-import"
            value={draft.importChoice}
            onChange={(e) => onChange({ importChoice: e.target.value as ImportChoice })}
          >
            {choices.map((choice) => (
              <option key={choice} value={choice}>
                {label(choice)}
              </option>
            ))}
          </select>
        </label>
        <label className="field form-grid-wide">
          <span className="field-label">{t("mailboxForm.project")}</span>
          <select
            data-testid="mailbox-project"
            value={draft.projectId}
            onChange={(e) => onChange({ projectId: e.target.value })}
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
    </>
  );
}

/**
 * What "Test connection" found: each server accepted, or its problem and what
 * to check; a certificate refused can be trusted from here (`onTrust`).
 */
export function ConnectionResult({
  report,
  onTrust,
}: {
  report: ConnectionReport;
  onTrust: (kind: ServerKind, fingerprint: string) => void;
}) {
  const { t } = useTranslation();
  const allOk = !report.imap && !report.smtp;
  return (
    <div
      className={`connection-result${allOk ? " is-ok" : ""}`}
      data-testid="mailbox-test-result"
      data-ok={allOk ? "true" : "false"}
      role="status"
    >
      <ServerVerdict kind="imap" error={report.imap} onTrust={onTrust} />
      <ServerVerdict kind="smtp" error={report.smtp} onTrust={onTrust} />
      {allOk && <p className="connection-result-note">{t("mailTest.allOk")}</p>}
    </div>
  );
}

function ServerVerdict({
  kind,
  error,
  onTrust,
}: {
  kind: ServerKind;
  error: MailError | null;
  onTrust: (kind: ServerKind, fingerprint: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <div
      className={`server-verdict${error ? " is-failed" : " is-ok"}`}
      data-testid={`mailbox-test-${kind}`}
      data-problem={error?.problem ?? ""}
    >
      <span className="server-verdict-icon" aria-hidden="true">
        {error ? <CrossIcon size={12} /> : <CheckIcon size={14} />}
      </span>
      <span className="server-verdict-main">
        <span className="server-verdict-name">{t(`mailTest.${kind}`)}</span>
        {error ? (
          // A refused certificate has its own words below instead of the usual TLS hint.
          <MailErrorDetails error={error} hint={!error.certificate} />
        ) : (
          <span className="server-verdict-ok">{t("mailTest.ok")}</span>
        )}
        {error?.certificate && (
          <CertificateRefused kind={kind} certificate={error.certificate} onTrust={onTrust} />
        )}
      </span>
    </div>
  );
}

/**
 * A server's certificate that the usual checks refused (self-signed, or not the
 * one trusted before): its fingerprint to compare with the administrator's, and
 * the button that trusts it for this server.
 */
function CertificateRefused({
  kind,
  certificate,
  onTrust,
}: {
  kind: ServerKind;
  certificate: ServerCertificate;
  onTrust: (kind: ServerKind, fingerprint: string) => void;
}) {
  const { t } = useTranslation();
  const before = certificate.trusted;
  return (
    <span className="server-cert" data-testid={`mailbox-cert-${kind}`} data-changed={before ? "true" : "false"}>
      <span className="server-cert-title">{t(before ? "mailTest.certChanged" : "mailTest.certUntrusted")}</span>
      <code className="server-cert-fingerprint selectable" data-testid={`mailbox-cert-fingerprint-${kind}`}>
        {certificate.fingerprint}
      </code>
      <span className="server-cert-text">
        {before ? t("mailTest.certChangedText", { before }) : t("mailTest.certUntrustedText")}
      </span>
      <span className="server-cert-actions">
        <button
          type="button"
          className="button"
          data-testid={`mailbox-cert-trust-${kind}`}
          onClick={() => onTrust(kind, certificate.fingerprint)}
        >
          {t(before ? "mailTest.certTrustNew" : "mailTest.certTrust")}
        </button>
      </span>
    </span>
  );
}
