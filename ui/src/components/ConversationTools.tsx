import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, LABEL_COLORS, type ConversationSummary, type Label, type LabelColor } from "../api";
import { apiMessage } from "../errors";
import { formatFull } from "../format";
import { useNow } from "../hooks";
import { useLabels } from "../useLabels";
import { Dropdown } from "./Dropdown";
import { MoonIcon, PlusIcon, TagIcon } from "./Icon";
import { LabelChips, LabelColorChoice, LabelDot } from "./LabelChips";
import { SnoozeMenu } from "./SnoozeMenu";

type ToolsProps = {
  conversation: ConversationSummary;
  /** The conversation as the engine answered after a change. */
  onChanged: (summary: ConversationSummary) => void;
  /** Why the engine refused, as the person reads it; null when a new attempt starts. */
  onError: (message: string | null) => void;
  /** The conversation was snoozed: it left the list. */
  onSnoozed?: (conversationId: number) => void;
  /** Opens the Settings card where labels are renamed, recoloured and deleted. */
  onManageLabels?: () => void;
};

/** The thread header's labels and snooze: "Labels ▾", and "Snooze ▾" or "Snoozed until … · Unsnooze". */
export function ConversationTools(props: ToolsProps) {
  return (
    <>
      <LabelPicker {...props} />
      <SnoozeControl {...props} />
    </>
  );
}

function SnoozeControl({ conversation, onChanged, onError, onSnoozed }: ToolsProps) {
  const { t, i18n } = useTranslation();
  const now = useNow();
  const [busy, setBusy] = useState(false);
  const until = conversation.snoozedUntil;
  const snoozed = until != null && until > now;

  const snooze = async (next: number | null) => {
    setBusy(true);
    onError(null);
    try {
      const [summary] = await api.snoozeConversations([conversation.id], next);
      if (summary) onChanged(summary);
      if (next != null) onSnoozed?.(conversation.id);
    } catch (error) {
      onError(apiMessage(error, t));
    } finally {
      setBusy(false);
    }
  };

  if (snoozed) {
    return (
      <span className="snoozed-note" data-testid="snoozed-note">
        <MoonIcon size={13} />
        <span>{t("snooze.until", { time: formatFull(until, i18n.language) })}</span>
        <button
          type="button"
          className="link-button"
          data-testid="unsnooze"
          disabled={busy}
          title={t("snooze.unsnoozeHint")}
          onClick={() => void snooze(null)}
        >
          {t("snooze.unsnooze")}
        </button>
      </span>
    );
  }
  return <SnoozeMenu testId="thread-snooze" disabled={busy} onSnooze={(at) => void snooze(at)} />;
}

/** The first colour no label has yet (gray when every one is taken). */
function freeColor(labels: Label[] | null): LabelColor {
  const used = new Set((labels ?? []).map((l) => l.color));
  return LABEL_COLORS.find((c) => c !== "gray" && !used.has(c)) ?? "gray";
}

function LabelPicker({ conversation, onChanged, onError, onManageLabels }: ToolsProps) {
  const { t } = useTranslation();
  const { byId } = useLabels();
  const count = conversation.labelIds.length;
  return (
    <Dropdown
      label={t("labels.title")}
      kind="dialog"
      className="label-picker"
      buttonClass="button label-picker-button"
      testId="thread-labels"
      title={t("labels.hint")}
      content={
        <>
          <TagIcon size={14} />
          {count > 0 && byId.size > 0 ? (
            <LabelChips ids={conversation.labelIds} byId={byId} max={2} />
          ) : (
            t("labels.button")
          )}
        </>
      }
    >
      {(close) => (
        <LabelChoices
          conversation={conversation}
          onChanged={onChanged}
          onError={onError}
          onManageLabels={
            onManageLabels &&
            (() => {
              close();
              onManageLabels();
            })
          }
        />
      )}
    </Dropdown>
  );
}

/**
 * Every label, ticked when the conversation has it (a click puts it on or
 * takes it off); the field finds a label, or makes one with the name typed
 * and a colour, put on the conversation at once.
 */
function LabelChoices({
  conversation,
  onChanged,
  onError,
  onManageLabels,
}: Omit<ToolsProps, "onSnoozed">) {
  const { t } = useTranslation();
  const id = useId();
  const { labels, apply } = useLabels();
  const [query, setQuery] = useState("");
  const [color, setColor] = useState<LabelColor | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const name = query.trim();
  const folded = name.toLocaleLowerCase();
  const shown = (labels ?? []).filter((l) => l.name.toLocaleLowerCase().includes(folded));
  const exact = (labels ?? []).some((l) => l.name.toLocaleLowerCase() === folded);
  const chosenColor = color ?? freeColor(labels);

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setProblem(null);
    onError(null);
    try {
      await action();
    } catch (error) {
      setProblem(apiMessage(error, t));
    } finally {
      setBusy(false);
    }
  };

  const toggle = (label: Label, on: boolean) =>
    run(async () => {
      const [summary] = await api.labelConversations([conversation.id], label.id, on);
      if (summary) onChanged(summary);
    });

  const create = (e?: FormEvent) => {
    e?.preventDefault();
    if (!name || exact || busy) return;
    void run(async () => {
      const made = await api.createLabel({ name, color: chosenColor });
      apply(made);
      const [summary] = await api.labelConversations([conversation.id], made.id, true);
      if (summary) onChanged(summary);
      setQuery("");
      setColor(null);
    });
  };

  return (
    <div className="label-choices">
      <form onSubmit={create} className="label-search">
        <input
          type="text"
          data-testid="label-search"
          value={query}
          placeholder={t("labels.searchPlaceholder")}
          aria-label={t("labels.searchPlaceholder")}
          maxLength={40}
          spellCheck={false}
          autoComplete="off"
          onChange={(e) => setQuery(e.target.value)}
        />
      </form>
      {labels == null && <p className="menu-note">{t("accounts.loading")}</p>}
      {labels != null && labels.length === 0 && !name && <p className="menu-note">{t("labels.noneYet")}</p>}
      {shown.length > 0 && (
        <ul className="label-options" aria-label={t("labels.title")}>
          {shown.map((label) => {
            const on = conversation.labelIds.includes(label.id);
            return (
              <li key={label.id}>
                <label className="checkbox-line label-option">
                  <input
                    type="checkbox"
                    data-testid="label-option"
                    data-label-id={label.id}
                    checked={on}
                    disabled={busy}
                    onChange={(e) => void toggle(label, e.target.checked)}
                  />
                  <LabelDot color={label.color} />
                  <span className="label-option-name">{label.name}</span>
                </label>
              </li>
            );
          })}
        </ul>
      )}
      {name && !exact && (
        <div className="label-create" role="group" aria-labelledby={`${id}-create`}>
          <button
            type="button"
            id={`${id}-create`}
            className="menu-item label-create-button"
            data-testid="label-create"
            disabled={busy}
            onClick={() => create()}
          >
            <PlusIcon size={13} />
            {t("labels.createNamed", { name })}
          </button>
          <LabelColorChoice value={chosenColor} onChange={setColor} testId="label-create-color" disabled={busy} />
        </div>
      )}
      {problem && (
        <p className="form-error" role="alert" data-testid="label-error">
          {problem}
        </p>
      )}
      {onManageLabels && (
        <div className="menu-footer">
          <button type="button" className="link-button" data-testid="labels-manage" onClick={onManageLabels}>
            {t("labels.manage")}
          </button>
        </div>
      )}
    </div>
  );
}
