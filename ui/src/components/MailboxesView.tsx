import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Mailbox, type Project } from "../api";
import { errorText } from "../errors";
import { newDraft } from "../mailboxes";
import { useMailboxes } from "../useMailboxes";
import { MailIcon, PlusIcon } from "./Icon";
import { MailboxDetail } from "./MailboxDetail";
import { MailboxForm } from "./MailboxForm";
import { MailboxRow } from "./MailboxRow";

type Selection = { kind: "none" } | { kind: "new" } | { kind: "mailbox"; id: number };

/** The mailboxes: a list on the left, the chosen one (or a new one) on the right. */
export function MailboxesView() {
  const { t } = useTranslation();
  const { mailboxes, projects, error, applyMailbox, dropMailbox } = useMailboxes();
  const [selection, setSelection] = useState<Selection>({ kind: "none" });

  const selected =
    selection.kind === "mailbox" ? (mailboxes?.find((m) => m.accountId === selection.id) ?? null) : null;

  // A mailbox removed while it is shown (here or elsewhere): back to the list.
  useEffect(() => {
    if (selection.kind === "mailbox" && mailboxes && !mailboxes.some((m) => m.accountId === selection.id)) {
      setSelection({ kind: "none" });
    }
  }, [selection, mailboxes]);

  // Another mailbox (or the new-mailbox form) opens at its top.
  const paneRef = useRef<HTMLElement>(null);
  const shown = selection.kind === "mailbox" ? selection.id : selection.kind;
  useEffect(() => {
    paneRef.current?.scrollTo?.({ top: 0 });
  }, [shown]);

  const startNew = () => setSelection({ kind: "new" });

  let pane;
  if (selection.kind === "new") {
    pane = (
      <NewMailbox
        projects={projects ?? []}
        onAdded={(mailbox) => {
          applyMailbox(mailbox);
          setSelection({ kind: "mailbox", id: mailbox.accountId });
        }}
        onCancel={() => setSelection({ kind: "none" })}
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
          setSelection({ kind: "none" });
        }}
      />
    );
  } else if (mailboxes && mailboxes.length === 0) {
    pane = (
      <div className="placeholder mailboxes-empty" data-testid="mailboxes-empty">
        <MailIcon size={40} className="placeholder-icon" />
        <h2>{t("mailboxes.emptyTitle")}</h2>
        <p>{t("mailboxes.emptyText")}</p>
        <button type="button" className="button button--primary" onClick={startNew}>
          <PlusIcon size={14} />
          {t("mailboxes.emptyAdd")}
        </button>
      </div>
    );
  } else if (mailboxes) {
    pane = (
      <div className="placeholder">
        <MailIcon size={40} className="placeholder-icon" />
        <h2>{t("mailboxes.pickTitle")}</h2>
        <p>{t("mailboxes.pickText")}</p>
      </div>
    );
  }

  return (
    <main className="projects-view" data-testid="mailboxes-view" aria-label={t("mailboxes.title")}>
      <section className="list-pane project-list-pane" aria-label={t("mailboxes.title")}>
        <div className="project-list-head">
          <h2>{t("mailboxes.title")}</h2>
          <button
            type="button"
            className={`button${selection.kind === "new" ? " is-active" : ""}`}
            data-testid="mailbox-add"
            onClick={startNew}
          >
            <PlusIcon size={14} />
            {t("mailboxes.add")}
          </button>
        </div>
        <div className="project-list-body">
          {mailboxes && mailboxes.length > 0 && (
            <ul className="project-list">
              {mailboxes.map((mailbox) => (
                <li key={mailbox.accountId}>
                  <MailboxRow
                    mailbox={mailbox}
                    selected={mailbox.accountId === selected?.accountId}
                    onSelect={() => setSelection({ kind: "mailbox", id: mailbox.accountId })}
                  />
                </li>
              ))}
            </ul>
          )}
          {mailboxes == null && error == null && <div className="list-note">{t("mailboxes.loading")}</div>}
          {mailboxes == null && error != null && (
            <div className="list-note list-note--error" role="alert">
              {errorText(error, t)}
            </div>
          )}
        </div>
      </section>
      <section
        ref={paneRef}
        className={`project-pane${selected || selection.kind === "new" ? "" : " project-pane--placeholder"}`}
      >
        {pane}
      </section>
    </main>
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
