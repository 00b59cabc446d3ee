import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Mailbox, type Project } from "../api";
import { draftOf } from "../mailboxes";
import { AlertIcon, MailIcon } from "./Icon";
import { MailboxForm } from "./MailboxForm";
import { ImportBar, MailboxStateBadge, MailErrorDetails } from "./MailboxRow";
import { SectionHead } from "./ProjectDetail";
import { DangerZone } from "./DangerZone";

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
  return (
    <DangerZone
      text={{
        action: t("mailbox.remove"),
        question: t("mailbox.removeQuestion", { name: mailbox.name }),
        explanation: t("mailbox.removeText"),
        confirm: t("mailbox.removeConfirm"),
        working: t("mailbox.removing"),
        cancel: t("mailboxForm.cancel"),
        testId: "mailbox-remove",
        confirmTestId: "mailbox-remove-confirm",
        errorTestId: "mailbox-remove-error",
      }}
      onConfirm={async () => {
        await api.removeMailbox(mailbox.accountId);
        onRemoved(mailbox.accountId);
      }}
    />
  );
}
