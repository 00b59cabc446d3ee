import { useTranslation } from "react-i18next";
import { MAIL_SECURITIES, type ConnectionReport, type MailError, type MailSecurity } from "../api";
import { withSecurity, type ServerDraft, type ServerKind } from "../mailboxes";
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
          onChange={(e) => onChange({ ...value, host: e.target.value })}
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
    </fieldset>
  );
}

/** What "Test connection" found: each server accepted, or its problem and what to check. */
export function ConnectionResult({ report }: { report: ConnectionReport }) {
  const { t } = useTranslation();
  const allOk = !report.imap && !report.smtp;
  return (
    <div
      className={`connection-result${allOk ? " is-ok" : ""}`}
      data-testid="mailbox-test-result"
      data-ok={allOk ? "true" : "false"}
      role="status"
    >
      <ServerVerdict kind="imap" error={report.imap} />
      <ServerVerdict kind="smtp" error={report.smtp} />
      {allOk && <p className="connection-result-note">{t("mailTest.allOk")}</p>}
    </div>
  );
}

function ServerVerdict({ kind, error }: { kind: ServerKind; error: MailError | null }) {
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
        {error ? <MailErrorDetails error={error} /> : <span className="server-verdict-ok">{t("mailTest.ok")}</span>}
      </span>
    </div>
  );
}
