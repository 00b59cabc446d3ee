import { useEffect, useId, useState, type KeyboardEvent as ReactKeyboardEvent } from "react";
import { createPortal } from "react-dom";
import { useTranslation } from "react-i18next";
import { api, type Contact, type ContactMatch } from "../api";
import { errorText } from "../errors";
import { useAction, useDebounced } from "../hooks";
import { AlertIcon, CrossIcon, SearchIcon } from "./Icon";

type Search =
  | { phase: "searching" }
  | { phase: "ready"; text: string; matches: ContactMatch[] }
  | { phase: "failed"; error: unknown };

type Props = {
  /** The contact that stays. */
  contact: Contact;
  onMerged: (contact: Contact) => void;
  onClose: () => void;
  /** A contact already chosen (offered because it has the same phone): the dialog asks at once. */
  preset?: ContactMatch;
};

/**
 * Finds the same person's other contact and merges it into this one: its
 * conversations and channel identities move here.
 */
export function MergeContactDialog({ contact, onMerged, onClose, preset }: Props) {
  const { t } = useTranslation();
  const titleId = useId();
  const [text, setText] = useState("");
  const query = useDebounced(text.trim(), 250);
  const [search, setSearch] = useState<Search>({ phase: "searching" });
  const [chosen, setChosen] = useState<ContactMatch | null>(preset ?? null);
  const { busy, error, run } = useAction();

  useEffect(() => {
    let current = true;
    setSearch({ phase: "searching" });
    api
      .searchContacts(query)
      .then((found) => {
        if (!current) return;
        // The contact itself is never a candidate.
        setSearch({ phase: "ready", text: query, matches: found.filter((m) => m.id !== contact.id) });
      })
      .catch((reason: unknown) => {
        if (current) setSearch({ phase: "failed", error: reason });
      });
    return () => {
      current = false;
    };
  }, [query, contact.id]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape" && !busy) onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [busy, onClose]);

  const question = chosen ? t("merge.question", { other: chosen.displayName, name: contact.displayName }) : "";

  const merge = (other: ContactMatch) =>
    run(async () => {
      // Moves the other contact's conversations and identities to this one; answers the merged contact.
      onMerged(await api.mergeContacts(contact.id, other.id));
    });

  // The arrow keys move through the matches here, not through the inbox behind.
  const onKeyDown = (event: ReactKeyboardEvent<HTMLDivElement>) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    event.stopPropagation();
    const targets = [...event.currentTarget.querySelectorAll<HTMLElement>("[data-testid=merge-search], .match")];
    if (targets.length === 0) return;
    event.preventDefault();
    const at = targets.indexOf(document.activeElement as HTMLElement);
    const next = event.key === "ArrowDown" ? Math.min(at + 1, targets.length - 1) : Math.max(at - 1, 0);
    targets[next].focus();
  };

  return createPortal(
    <div
      className="dialog-backdrop"
      onKeyDown={onKeyDown}
      onMouseDown={(event) => {
        if (event.target === event.currentTarget && !busy) onClose();
      }}
    >
      <div
        className="dialog merge-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="merge-dialog"
      >
        <div className="dialog-head">
          <h2 id={titleId}>{t("merge.title")}</h2>
          <button
            type="button"
            className="icon-button"
            onClick={onClose}
            disabled={busy}
            aria-label={t("merge.close")}
            title={t("merge.close")}
          >
            <CrossIcon size={12} />
          </button>
        </div>

        {chosen ? (
          <div className="confirm" role="alertdialog" aria-label={question} data-testid="merge-confirm">
            <p className="confirm-question">{question}</p>
            <p className="confirm-text">
              {t("merge.explanation", { other: chosen.displayName, name: contact.displayName })}
            </p>
            {error && (
              <p className="form-error" data-testid="merge-error" role="alert">
                <AlertIcon size={14} />
                {error}
              </p>
            )}
            <div className="form-actions">
              <button
                type="button"
                className="button button--primary"
                data-testid="merge-confirm-button"
                onClick={() => void merge(chosen)}
                disabled={busy}
              >
                {busy ? t("merge.merging") : t("merge.confirm")}
              </button>
              <button type="button" className="button" onClick={() => setChosen(null)} disabled={busy}>
                {t("merge.back")}
              </button>
            </div>
          </div>
        ) : (
          <>
            <p className="dialog-text">{t("merge.intro", { name: contact.displayName })}</p>
            <div className="search">
              <SearchIcon size={15} className="search-icon" />
              <input
                type="search"
                data-testid="merge-search"
                value={text}
                onChange={(event) => setText(event.target.value)}
                placeholder={t("merge.searchPlaceholder")}
                aria-label={t("merge.search")}
                autoFocus
                spellCheck={false}
              />
            </div>
            <MatchList search={search} onChoose={setChosen} />
          </>
        )}
      </div>
    </div>,
    document.body,
  );
}

function MatchList({ search, onChoose }: { search: Search; onChoose: (match: ContactMatch) => void }) {
  const { t } = useTranslation();
  if (search.phase === "searching") return <p className="dialog-note">{t("merge.searching")}</p>;
  if (search.phase === "failed") {
    return (
      <p className="dialog-note dialog-note--error" role="alert">
        {errorText(search.error, t)}
      </p>
    );
  }
  if (search.matches.length === 0) return <p className="dialog-note">{t("merge.none")}</p>;
  return (
    <ul className="match-list" aria-label={t("merge.search")}>
      {search.matches.map((match) => {
        const reach = [match.phone, match.email].filter(Boolean).join(" · ");
        return (
          <li key={match.id}>
            <button
              type="button"
              className="match"
              data-testid="merge-match"
              data-contact-id={match.id}
              onClick={() => onChoose(match)}
            >
              <span className="match-name">{match.displayName}</span>
              {reach && <span className="match-reach">{reach}</span>}
              <span className="match-count">{t("merge.conversations", { n: match.conversationCount })}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
