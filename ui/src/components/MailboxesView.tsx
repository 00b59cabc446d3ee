import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Mailbox, type Project } from "../api";
import { newDraft } from "../mailboxes";
import { useMailboxes } from "../useMailboxes";
import { MailIcon } from "./Icon";
import { ListDetailLayout, PanePlaceholder, useSelection } from "./ListDetail";
import { MailboxDetail } from "./MailboxDetail";
import { MailboxForm } from "./MailboxForm";
import { MailboxRow } from "./MailboxRow";

const idOf = (mailbox: Mailbox) => mailbox.accountId;

/** The mailboxes: a list on the left, the chosen one (or a new one) on the right. */
export function MailboxesView() {
  const { t } = useTranslation();
  const { mailboxes, projects, error, applyMailbox, dropMailbox } = useMailboxes();
  const { selection, selected, select, startNew, clear } = useSelection(mailboxes, idOf);

  let pane;
  if (selection.kind === "new") {
    pane = (
      <NewMailbox
        projects={projects ?? []}
        onAdded={(mailbox) => {
          applyMailbox(mailbox);
          select(mailbox.accountId);
        }}
        onCancel={clear}
      />
    );
  } else if (selected) {
    pane = (
      <MailboxDetail
        key={selected.accountId}
        mailbox={selected}
        projects={projects ?? []}
        onSaved={applyMailbox}
        onRemoved={(id) => {
          dropMailbox(id);
          clear();
        }}
      />
    );
  } else if (mailboxes && mailboxes.length === 0) {
    pane = (
      <PanePlaceholder
        className="mailboxes-empty"
        testId="mailboxes-empty"
        icon={<MailIcon size={40} className="placeholder-icon" />}
        title={t("mailboxes.emptyTitle")}
        text={t("mailboxes.emptyText")}
        action={{ label: t("mailboxes.emptyAdd"), onClick: startNew }}
      />
    );
  } else if (mailboxes) {
    pane = (
      <PanePlaceholder
        icon={<MailIcon size={40} className="placeholder-icon" />}
        title={t("mailboxes.pickTitle")}
        text={t("mailboxes.pickText")}
      />
    );
  }

  return (
    <ListDetailLayout
      title={t("mailboxes.title")}
      testId="mailboxes-view"
      add={{ label: t("mailboxes.add"), testId: "mailbox-add", active: selection.kind === "new", onClick: startNew }}
      items={mailboxes}
      error={error}
      loadingText={t("mailboxes.loading")}
      idOf={idOf}
      renderRow={(mailbox) => (
        <MailboxRow
          mailbox={mailbox}
          selected={mailbox.accountId === selected?.accountId}
          onSelect={() => select(mailbox.accountId)}
        />
      )}
      paneKey={selected ? selected.accountId : selection.kind}
      paneFilled={selected != null || selection.kind === "new"}
    >
      {pane}
    </ListDetailLayout>
  );
}

function NewMailbox({
  projects,
  onAdded,
  onCancel,
}: {
  projects: Project[];
  onAdded: (mailbox: Mailbox) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  // One starting point for the form's lifetime (the list reloading must not reset it).
  const [initial] = useState(newDraft);
  return (
    <div className="project-detail project-detail--new" data-testid="mailbox-new">
      <header className="project-head">
        <h1>{t("mailboxes.newTitle")}</h1>
        <p className="project-head-sub">{t("mailboxes.newText")}</p>
      </header>
      <section className="card">
        <MailboxForm
          initial={initial}
          accountId={null}
          projects={projects}
          onSubmit={async (input) => onAdded(await api.addMailbox(input))}
          onCancel={onCancel}
        />
      </section>
    </div>
  );
}
