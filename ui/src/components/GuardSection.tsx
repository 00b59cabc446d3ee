import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, GUARD_MODES, WHITELIST_KINDS, type GuardMode, type OutboxGuard, type WhitelistKind } from "../api";
import { apiMessage } from "../errors";
import { useAction } from "../hooks";
import { useOutboxGuard } from "../useAssistant";
import { AlertIcon, CrossIcon, PlusIcon, ShieldIcon } from "./Icon";
import { SectionHead } from "./ProjectDetail";

/**
 * The outbox guard: whether what the app sends on its own (auto-replies, the
 * assistant's answers) leaves, goes only to listed recipients, or is held.
 */
export function GuardSection() {
  const { t } = useTranslation();
  const id = useId();
  const { value: guard, apply } = useOutboxGuard();
  const { busy, error, run } = useAction();

  if (!guard) return <p className="card-text muted">{t("projects.loading")}</p>;

  const set = (mode: GuardMode, includePeople: boolean) => {
    if (busy) return;
    void run(async () => apply(await api.setOutboxGuard(mode, includePeople)));
  };

  return (
    <section className="card" data-testid="guard" data-mode={guard.mode} aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<ShieldIcon size={16} />} title={t("guard.title")}>
        <span className="card-head-spacer" />
        <span className={`guard-held${guard.held > 0 ? " is-holding" : ""}`} data-testid="guard-held" role="status">
          {guard.held > 0 ? t("guard.held", { count: guard.held }) : t("guard.noneHeld")}
        </span>
      </SectionHead>
      <p className="card-text">{t("guard.intro")}</p>
      <div className="choices" role="radiogroup" aria-labelledby={`${id}-title`}>
        {GUARD_MODES.map((mode) => (
          <label key={mode} className={`choice${guard.mode === mode ? " is-checked" : ""}`}>
            <input
              type="radio"
              name={`${id}-mode`}
              value={mode}
              data-testid={`guard-mode-${mode}`}
              aria-label={t(`guard.mode.${mode}`)}
              aria-describedby={`${id}-${mode}`}
              checked={guard.mode === mode}
              disabled={busy}
              onChange={() => set(mode, guard.includePeople)}
            />
            <span className="choice-main">
              <span className="choice-title">{t(`guard.mode.${mode}`)}</span>
              <span className="choice-text" id={`${id}-${mode}`}>
                {t(`guard.modeText.${mode}`)}
              </span>
            </span>
          </label>
        ))}
      </div>
      <div>
        <label className="checkbox-line">
          <input
            type="checkbox"
            data-testid="guard-include-people"
            checked={guard.includePeople}
            disabled={busy}
            aria-describedby={`${id}-people`}
            onChange={(e) => set(guard.mode, e.target.checked)}
          />
          {t("guard.includePeople")}
        </label>
        <p className="hint checkbox-hint" id={`${id}-people`}>
          {t("guard.includePeopleHint")}
        </p>
      </div>
      {error && (
        <p className="form-error" data-testid="guard-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
      <Whitelist guard={guard} onChanged={apply} />
    </section>
  );
}

/** The recipients automatic replies may go to while the guard is on "whitelist". */
function Whitelist({ guard, onChanged }: { guard: OutboxGuard; onChanged: (guard: OutboxGuard) => void }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<WhitelistKind>("phone");
  const [value, setValue] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const { busy, run } = useAction();

  const add = () => {
    if (busy || !value.trim()) return;
    setProblem(null);
    void run(async () => {
      try {
        onChanged(await api.allowRecipient({ kind, value: value.trim() }));
        setValue("");
      } catch (reason) {
        setProblem(apiMessage(reason, t));
      }
    });
  };

  return (
    <div className="whitelist" data-testid="whitelist">
      <h3 className="section-subtitle">{t("guard.whitelist")}</h3>
      {guard.whitelist.length === 0 ? (
        <p className="card-text muted">{t("guard.whitelistEmpty")}</p>
      ) : (
        <ul className="whitelist-list">
          {guard.whitelist.map((entry) => (
            <li key={`${entry.kind}:${entry.value}`} className="whitelist-entry" data-testid="whitelist-entry">
              <span className="whitelist-kind">{t(`guard.kind.${entry.kind}`)}</span>
              <span className="whitelist-value selectable">{entry.value}</span>
              <button
                type="button"
                className="icon-button"
                aria-label={t("guard.remove", { value: entry.value })}
                title={t("guard.remove", { value: entry.value })}
                disabled={busy}
                onClick={() => void run(async () => onChanged(await api.disallowRecipient(entry)))}
              >
                <CrossIcon size={12} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="whitelist-form"
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <label className="field">
          <span className="field-label">{t("guard.kindLabel")}</span>
          <select data-testid="whitelist-kind" value={kind} onChange={(e) => setKind(e.target.value as WhitelistKind)}>
            {WHITELIST_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`guard.kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field whitelist-value-field">
          <span className="field-label">{t("guard.recipient")}</span>
          <input
            type="text"
            data-testid="whitelist-value"
            value={value}
            placeholder={t(`guard.placeholder.${kind}`)}
            onChange={(e) => {
              setValue(e.target.value);
              setProblem(null);
            }}
            spellCheck={false}
          />
        </label>
        <button type="submit" className="button" data-testid="whitelist-add" disabled={busy || !value.trim()}>
          <PlusIcon size={14} />
          {t("guard.add")}
        </button>
      </form>
      {problem && (
        <p className="form-error" data-testid="whitelist-error" role="alert">
          <AlertIcon size={14} />
          {problem}
        </p>
      )}
      <p className="hint">{t("guard.whitelistHint")}</p>
    </div>
  );
}
