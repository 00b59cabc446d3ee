import { useEffect, useState, type CSSProperties } from "react";
import { useTranslation } from "react-i18next";
import { api, type Contact, type ContactMatch, type Note } from "../api";
import { avatarHue, formatDate, formatFull, initials } from "../format";
import { MergeIcon } from "./Icon";
import { MergeContactDialog } from "./MergeContactDialog";

type Props = {
  contact: Contact;
  notes?: Note[];
  /** Another contact was merged into this one: the conversation is read again. */
  onMerged?: (contact: Contact) => void;
};

export function ContactPanel({ contact, notes = [], onMerged }: Props) {
  const { t, i18n } = useTranslation();
  const [merging, setMerging] = useState(false);
  const [samePhone, setSamePhone] = useState<ContactMatch[]>([]);
  const [preset, setPreset] = useState<ContactMatch | undefined>(undefined);
  // The same person met on another channel with the same phone is offered for merging.
  useEffect(() => {
    let current = true;
    setSamePhone([]);
    if (!onMerged) return;
    api
      .samePhoneContacts(contact.id)
      .then((found) => {
        if (current) setSamePhone(found);
      })
      .catch(() => {
        if (current) setSamePhone([]);
      });
    return () => {
      current = false;
    };
  }, [contact.id, contact.conversationCount, onMerged]);
  const hasDetails = contact.identities.length > 0 || contact.phone || contact.email || contact.note;
  return (
    <aside className="side-pane contact-pane" data-testid="contact-panel" aria-label={t("contact.title")}>
      <div className="contact-head">
        <div
          className="avatar avatar--large"
          style={{ "--hue": avatarHue(contact.id) } as CSSProperties}
          aria-hidden="true"
        >
          {initials(contact.displayName)}
        </div>
        <h2 className="contact-name">{contact.displayName}</h2>
        <div className="contact-since">
          {t("contact.since")} {formatDate(contact.createdAt, i18n.language)}
        </div>
      </div>

      <dl className="facts">
        {contact.phone && (
          <div className="fact">
            <dt>{t("contact.phone")}</dt>
            <dd>
              <span className="selectable">{contact.phone}</span>
            </dd>
          </div>
        )}
        {contact.email && (
          <div className="fact">
            <dt>{t("contact.email")}</dt>
            <dd>
              <span className="selectable">{contact.email}</span>
            </dd>
          </div>
        )}
        <div className="fact">
          <dt>{t("contact.conversations")}</dt>
          <dd data-testid="contact-conversation-count">{contact.conversationCount}</dd>
        </div>
        {contact.note && (
          <div className="fact fact--block">
            <dt>{t("contact.note")}</dt>
            <dd>{contact.note}</dd>
          </div>
        )}
      </dl>

      {contact.identities.length > 0 && (
        <section className="identities">
          <h3>{t("contact.identities")}</h3>
          <ul>
            {contact.identities.map((identity, i) => (
              <li
                key={`${identity.kind}-${identity.value}-${i}`}
                className="identity"
                data-testid="identity"
                data-kind={identity.kind}
              >
                <span className="identity-kind">{t(`identity.${identity.kind}`)}</span>
                <span className="identity-value selectable">{identity.value}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {!hasDetails && <p className="muted">{t("contact.noDetails")}</p>}

      {onMerged && samePhone.length > 0 && (
        <section className="same-phone" data-testid="same-phone" aria-label={t("contact.samePhone")}>
          <h3>{t("contact.samePhone")}</h3>
          <p className="notes-hint">{t("contact.samePhoneHint")}</p>
          <ul>
            {samePhone.map((match) => (
              <li key={match.id} className="same-phone-item" data-testid="same-phone-item">
                <span className="same-phone-name">{match.displayName}</span>
                <button
                  type="button"
                  className="link-button"
                  data-testid="same-phone-merge"
                  onClick={() => {
                    setPreset(match);
                    setMerging(true);
                  }}
                >
                  {t("contact.samePhoneMerge")}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {onMerged && (
        <button
          type="button"
          className="link-button contact-merge"
          data-testid="contact-merge"
          onClick={() => {
            setPreset(undefined);
            setMerging(true);
          }}
        >
          <MergeIcon size={14} />
          {t("contact.merge")}
        </button>
      )}
      {merging && onMerged && (
        <MergeContactDialog
          contact={contact}
          preset={preset}
          onClose={() => setMerging(false)}
          onMerged={(merged) => {
            setMerging(false);
            onMerged(merged);
          }}
        />
      )}

      {notes.length > 0 && (
        <section className="notes" data-testid="notes" aria-label={t("notes.title")}>
          <h3>{t("notes.title")}</h3>
          <p className="notes-hint">{t("notes.hint")}</p>
          <ul>
            {notes.map((note) => (
              <li key={note.id} className="note" data-testid="note" data-note-id={note.id}>
                <div className="note-meta">
                  <span className="note-author">{note.authorName}</span>
                  <time dateTime={new Date(note.createdAt).toISOString()}>
                    {formatFull(note.createdAt, i18n.language)}
                  </time>
                </div>
                <p className="note-text selectable">{note.text}</p>
              </li>
            ))}
          </ul>
        </section>
      )}
    </aside>
  );
}
