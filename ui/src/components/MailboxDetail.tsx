import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Mailbox, type Project } from "../api";
import { draftOf } from "../mailboxes";
import { useAction } from "../hooks";
import { AlertIcon, MailIcon } from "./Icon";
import { MailboxForm } from "./MailboxForm";
import { ImportBar, MailboxStateBadge, MailErrorDetails } from "./MailboxRow";
import { SectionHead } from "./ProjectDetail";

type Props = {
  mailbox: Mailbox;
  projects: Project[];
  onSaved: (mailbox: Mailbox) => void;
  onRemoved: (accountId: number) => void;
};

/** One mailbox: how its connection is doing, its settings, removing it. */
export function MailboxDetail({ mailbox, projects, onSaved, onRemoved }: Props) {
  const { t } = useTranslation();
  // The form starts from the mailbox as it was opened (or last saved); live
  // state changes do not overwrite what is being typed.
  const [initial, setInitial] = useState(() => draftOf(mailbox));
  return (
    <div className="project-detail" data-testid="mailbox-detail" data-account-id={mailbox.accountId}>
      <header className="project-head">
        <div className="project-head-title">
          <h1>{mailbox.name}</h1>
          <MailboxStateBadge mailbox={mailbox} />
        </div>
        {mailbox.name !== mailbox.address && <p className="project-head-sub selectable">{mailbox.address}</p>}
      </header>

      <MailboxStatus mailbox={mailbox} />

      <section className="card" aria-label={t("mailboxForm.settings")}>
        <MailboxForm
          initial={initial}
          accountId={mailbox.accountId}
          projects={projects}
          onSubmit={async (input) => {
            const saved = await api.updateMailbox(mailbox.accountId, input);
            setInitial(draftOf(saved));
            onSaved(saved);
          }}
        />
        <RemoveMailbox mailbox={mailbox} onRemoved={onRemoved} />
      </section>
    </div>
  );
}

/** The connection in a sentence, with the import's progress or the last error and what to check. */
function MailboxStatus({ mailbox }: { mailbox: Mailbox }) {
  const { t } = useTranslation();
  const { state, lastError } = mailbox;
  return (
    <section className="card" data-testid="mailbox-status" data-state={state}>
      <SectionHead icon={<MailIcon size={16} />} title={t("mailbox.connection")} />
      <p className="card-text">
        {state === "polling"
          ? t("mailbox.stateText.polling", { n: mailbox.pollIntervalS })
          : t(`mailbox.stateText.${state}`)}
      </p>
      {state === "importing" && <ImportBar mailbox={mailbox} />}
      {state === "offline" && lastError && (
        <div className="problem" data-testid="mailbox-last-error">
          <AlertIcon size={15} className="problem-icon" />
          <MailErrorDetails error={lastError} />
        </div>
      )}
    </section>
  );
}

function RemoveMailbox({ mailbox, onRemoved }: { mailbox: Mailbox; onRemoved: (accountId: number) => void }) {
  const { t } = useTranslation();
  const [asking, setAsking] = useState(false);
  const { busy, error, run } = useAction();

  const remove = () =>
    run(async () => {
      await api.removeMailbox(mailbox.accountId);
      onRemoved(mailbox.accountId);
    });

  const question = t("mailbox.removeQuestion", { name: mailbox.name });
  return (
    <div className="danger-zone">
      {asking ? (
        <div className="confirm" role="alertdialog" aria-label={question}>
          <p className="confirm-question">{question}</p>
          <p className="confirm-text">{t("mailbox.removeText")}</p>
          {error && (
            <p className="form-error" data-testid="mailbox-remove-error" role="alert">
              <AlertIcon size={14} />
              {error}
            </p>
          )}
          <div className="form-actions">
            <button
              type="button"
              className="button button--danger"
              data-testid="mailbox-remove-confirm"
              onClick={() => void remove()}
              disabled={busy}
            >
              {busy ? t("mailbox.removing") : t("mailbox.removeConfirm")}
            </button>
            <button type="button" className="button" onClick={() => setAsking(false)} disabled={busy}>
              {t("mailboxForm.cancel")}
            </button>
          </div>
        </div>
      ) : (
        <button
          type="button"
          className="link-button link-button--danger"
          data-testid="mailbox-remove"
          onClick={() => setAsking(true)}
        >
          {t("mailbox.remove")}
        </button>
      )}
    </div>
  );
}
