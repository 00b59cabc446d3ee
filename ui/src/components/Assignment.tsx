import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ASSIGNEE_FILTERS, type AssigneeFilter, type ConversationSummary, type Person } from "../api";
import { apiMessage } from "../errors";
import { worksIn } from "../useTeam";

/**
 * Who of the team has the conversation: "Nobody" or one of the people who
 * work in its project. Anyone allowed may still answer; a reply by someone
 * else is marked with the assignee's name. Not shown when there is no team.
 */
export function AssigneeSelect({
  conversation,
  people,
  owner,
  onAssigned,
  onError,
}: {
  conversation: ConversationSummary;
  people: Person[] | null;
  owner: Person | null;
  onAssigned: (summary: ConversationSummary) => void;
  /** Why the engine refused, as the person reads it; null when a new attempt starts. */
  onError: (message: string | null) => void;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  if (!people || people.length === 0) return null;

  const candidates = people.filter((p) => worksIn(p, conversation.projectId));
  // The current assignee stays shown even when no longer among the project's people.
  const current = conversation.assigneeId;
  const missing = !candidates.some((p) => p.id === current);

  const assign = async (personId: number | null) => {
    setBusy(true);
    onError(null);
    try {
      onAssigned(await api.assignConversation(conversation.id, personId));
    } catch (error) {
      onError(apiMessage(error, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <label className="assignee" title={t("assign.hint")}>
      <span className="assignee-label">{t("assign.label")}</span>
      <select
        className="assignee-select"
        data-testid="assignee-select"
        aria-label={t("assign.label")}
        value={current ?? ""}
        disabled={busy}
        onChange={(e) => void assign(e.target.value ? Number(e.target.value) : null)}
      >
        <option value="">{t("assign.nobody")}</option>
        {candidates.map((p) => (
          <option key={p.id} value={p.id}>
            {p.id === owner?.id ? t("assign.you", { name: p.name }) : p.name}
          </option>
        ))}
        {current != null && missing && <option value={current}>{conversation.assigneeName ?? t("assign.someone")}</option>}
      </select>
    </label>
  );
}

/**
 * The inbox's filter by assignee: every conversation, the owner's ("Mine",
 * offered once the owner's Telegram is linked) or those assigned to nobody.
 */
export function AssigneeFilterSelect({
  value,
  onChange,
  ownerLinked,
}: {
  value: AssigneeFilter | null;
  onChange: (value: AssigneeFilter | null) => void;
  ownerLinked: boolean;
}) {
  const { t } = useTranslation();
  return (
    <select
      className="assignee-filter"
      data-testid="assignee-filter"
      value={value ?? ""}
      onChange={(e) => onChange((e.target.value || null) as AssigneeFilter | null)}
      aria-label={t("assign.filterLabel")}
      title={ownerLinked ? t("assign.filterLabel") : t("assign.mineNeedsOwner")}
    >
      <option value="">{t("assign.filter.all")}</option>
      {ASSIGNEE_FILTERS.map((filter) => {
        const unavailable = filter === "mine" && !ownerLinked;
        return (
          <option
            key={filter}
            value={filter}
            disabled={unavailable}
            title={unavailable ? t("assign.mineNeedsOwner") : undefined}
          >
            {t(`assign.filter.${filter}`)}
          </option>
        );
      })}
    </select>
  );
}
