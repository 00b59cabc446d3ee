import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, type Label, type LabelColor } from "../api";
import { errorText } from "../errors";
import { useAction } from "../hooks";
import { useLabels } from "../useLabels";
import { CreateFooter } from "./CreateFooter";
import { AlertIcon, TagIcon } from "./Icon";
import { InlineConfirm } from "./InlineConfirm";
import { LabelColorChoice, LabelDot } from "./LabelChips";
import { SectionHead } from "./ProjectDetail";

/** The longest label name the engine takes. */
const MAX_NAME = 40;

/** "Manage labels" in a conversation asked for this card: it scrolls into view once. */
let focusRequested = false;
export function requestLabelsFocus(): void {
  focusRequested = true;
}

/**
 * The shop's labels: each with its colour and how many conversations carry
 * it, renamed and recoloured in place, deleted after a confirmation (its
 * conversations lose it); and a new one.
 */
export function LabelsSection() {
  const { t } = useTranslation();
  const id = useId();
  const { labels, error, apply, drop } = useLabels();
  const ref = useRef<HTMLElement>(null);

  useEffect(() => {
    if (!focusRequested || labels == null) return;
    focusRequested = false;
    ref.current?.scrollIntoView({ block: "start" });
  }, [labels]);

  return (
    <section ref={ref} className="card labels-card" data-testid="settings-labels" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<TagIcon size={16} />} title={t("labels.title")} />
      <p className="card-text">{t("labels.intro")}</p>
      {labels == null && error == null && <p className="hint">{t("accounts.loading")}</p>}
      {labels == null && error != null && (
        <p className="form-error" role="alert">
          <AlertIcon size={14} />
          {errorText(error, t)}
        </p>
      )}
      {labels && (
        <>
          {labels.length === 0 ? (
            <p className="card-text muted" data-testid="labels-empty">
              {t("labels.none")}
            </p>
          ) : (
            <ul className="api-tokens-list labels-list" aria-labelledby={`${id}-title`} data-testid="labels-list">
              {labels.map((label) => (
                <LabelRow key={label.id} label={label} onChanged={apply} onDeleted={drop} />
              ))}
            </ul>
          )}
          <NewLabelForm labels={labels} onCreated={apply} />
        </>
      )}
    </section>
  );
}

function LabelRow({
  label,
  onChanged,
  onDeleted,
}: {
  label: Label;
  onChanged: (label: Label) => void;
  onDeleted: (labelId: number) => void;
}) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<"view" | "edit" | "delete">("view");
  const [name, setName] = useState(label.name);
  const [color, setColor] = useState<LabelColor>(label.color);
  const { busy, error, run } = useAction();
  const trimmed = name.trim();

  const edit = () => {
    setName(label.name);
    setColor(label.color);
    setMode("edit");
  };

  const save = (e: FormEvent) => {
    e.preventDefault();
    if (!trimmed || busy) return;
    void run(async () => {
      onChanged(await api.updateLabel(label.id, { name: trimmed, color }));
      setMode("view");
    });
  };

  const remove = () =>
    void run(async () => {
      await api.deleteLabel(label.id);
      onDeleted(label.id);
    });

  return (
    <li className="api-token-row label-row" data-testid="label-row" data-label-id={label.id}>
      {mode === "edit" ? (
        <form className="label-edit" onSubmit={save} noValidate data-testid="label-edit">
          <input
            type="text"
            data-testid="label-edit-name"
            aria-label={t("labels.name")}
            value={name}
            maxLength={MAX_NAME}
            autoFocus
            disabled={busy}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                e.preventDefault();
                setMode("view");
              }
            }}
          />
          <LabelColorChoice value={color} onChange={setColor} testId="label-edit-color" disabled={busy} />
          <div className="form-actions">
            <button
              type="submit"
              className="button button--primary"
              data-testid="label-save"
              disabled={!trimmed || busy}
            >
              {busy ? t("labels.saving") : t("labels.save")}
            </button>
            <button type="button" className="link-button" disabled={busy} onClick={() => setMode("view")}>
              {t("projects.cancel")}
            </button>
          </div>
        </form>
      ) : (
        <>
          <div className="api-token-main">
            <LabelDot color={label.color} />
            <span className="api-token-name" data-testid="label-name">
              {label.name}
            </span>
            <span className="muted" data-testid="label-count">
              {t("labels.count", { n: label.conversationCount })}
            </span>
          </div>
          <div className="api-token-action label-row-actions">
            {mode === "view" && (
              <>
                <button
                  type="button"
                  className="button api-token-revoke"
                  data-testid="label-edit-open"
                  aria-label={t("labels.editNamed", { name: label.name })}
                  onClick={edit}
                >
                  {t("labels.edit")}
                </button>
                <button
                  type="button"
                  className="button api-token-revoke"
                  data-testid="label-delete"
                  aria-label={t("labels.deleteNamed", { name: label.name })}
                  onClick={() => setMode("delete")}
                >
                  {t("labels.delete")}
                </button>
              </>
            )}
          </div>
          {mode === "delete" && (
            <InlineConfirm
              testId="label-confirm"
              actionTestId="label-delete"
              text={{
                question: t("labels.deleteQuestion", { name: label.name }),
                explanation: t("labels.deleteText", { n: label.conversationCount }),
                confirm: t("labels.delete"),
                working: t("labels.deleting"),
              }}
              busy={busy}
              onConfirm={remove}
              onCancel={() => setMode("view")}
            />
          )}
        </>
      )}
      {error && (
        <p className="form-error label-row-error" role="alert" data-testid="label-row-error">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </li>
  );
}

function NewLabelForm({ labels, onCreated }: { labels: Label[]; onCreated: (label: Label) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState("");
  const [color, setColor] = useState<LabelColor>("blue");
  const { busy, error, run } = useAction();
  const trimmed = name.trim();
  const taken = labels.some((l) => l.name.toLocaleLowerCase() === trimmed.toLocaleLowerCase());

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!trimmed || taken || busy) return;
    void run(async () => {
      onCreated(await api.createLabel({ name: trimmed, color }));
      setName("");
    });
  };

  return (
    <form className="api-tokens-form label-new" onSubmit={submit} noValidate data-testid="labels-form">
      <h3 className="team-subhead">{t("labels.newTitle")}</h3>
      <label className="field settings-field">
        <span className="field-label">{t("labels.name")}</span>
        <input
          type="text"
          data-testid="labels-name"
          value={name}
          maxLength={MAX_NAME}
          spellCheck={false}
          autoComplete="off"
          placeholder={t("labels.namePlaceholder")}
          aria-invalid={taken || undefined}
          disabled={busy}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      {taken && <p className="field-error">{t("labels.taken")}</p>}
      <div className="field">
        <span className="field-label">{t("labels.color")}</span>
        <LabelColorChoice value={color} onChange={setColor} testId="labels-color" disabled={busy} />
      </div>
      <CreateFooter
        testId="labels-create"
        label={t("labels.create")}
        working={t("labels.creating")}
        valid={trimmed.length > 0 && !taken}
        busy={busy}
        error={error}
      />
    </form>
  );
}
