import { useId } from "react";
import { useTranslation } from "react-i18next";
import { api, type AssistantRun, type ChannelKind } from "../api";
import { useAction } from "../hooks";
import { useTestChat } from "../useAssistant";
import { useProjects } from "../useProjects";
import { AlertIcon, RefreshIcon } from "./Icon";

/** The channels a Test chat customer can pretend to write on (null: the Test chat itself). */
export const TEST_CHAT_CHANNELS: (ChannelKind | null)[] = [null, "telegram_bot", "avito", "whatsapp", "email"];

type Props = {
  channel: ChannelKind | null;
  onChannel: (channel: ChannelKind | null) => void;
  /** Forgets the customer's conversation; resolves when it is done. */
  onReset: () => Promise<void>;
  canReset: boolean;
};

/** Which project the Test chat speaks for, the channel the customer pretends to use, and starting over. */
export function TestChatSetup({ channel, onChannel, onReset, canReset }: Props) {
  const { t } = useTranslation();
  const id = useId();
  const { projects } = useProjects();
  const { value: testChat, apply } = useTestChat();
  const { busy, error, run } = useAction();
  const projectId = testChat?.projectId ?? null;
  const project = projects?.find((p) => p.id === projectId);

  return (
    <div className="test-chat-setup" data-testid="test-chat-setup">
      <div className="test-chat-setup-row">
        <label className="field">
          <span className="field-label">{t("testChat.project")}</span>
          <select
            data-testid="test-chat-project"
            value={projectId ?? ""}
            disabled={busy || testChat == null}
            onChange={(e) => {
              const next = e.target.value ? Number(e.target.value) : null;
              void run(async () => apply(await api.setTestChatProject(next)));
            }}
          >
            <option value="">{t("testChat.noProject")}</option>
            {(projects ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t("testChat.channel")}</span>
          <select
            data-testid="test-chat-channel"
            value={channel ?? ""}
            onChange={(e) => onChannel(e.target.value ? (e.target.value as ChannelKind) : null)}
          >
            {TEST_CHAT_CHANNELS.map((kind) => (
              <option key={kind ?? ""} value={kind ?? ""}>
                {t(`testChat.channelOption.${kind ?? "plain"}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p
        className={`test-chat-project-hint${project ? "" : " is-unbound"}`}
        id={`${id}-hint`}
        data-testid="test-chat-project-hint"
      >
        {project ? t("testChat.projectHint", { name: project.name }) : t("testChat.noProjectHint")}
      </p>
      <div className="test-chat-setup-row">
        <button
          type="button"
          className="button button--quiet test-chat-reset"
          data-testid="test-chat-reset"
          disabled={busy || !canReset}
          onClick={() => void run(onReset)}
        >
          <RefreshIcon size={13} />
          {t("testChat.reset")}
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </div>
  );
}

/** Under an assistant's answer: the catalogue rows its prompt carried. */
export function RunRows({ run }: { run: AssistantRun }) {
  const { t } = useTranslation();
  if (run.catalogueRows.length === 0) {
    return (
      <p className="run-rows run-rows--none" data-testid="run-rows" data-count={0}>
        {t("testChat.noRowsUsed")}
      </p>
    );
  }
  return (
    <details className="run-rows" data-testid="run-rows" data-count={run.catalogueRows.length}>
      <summary>{t("testChat.rowsUsed", { count: run.catalogueRows.length })}</summary>
      <ol>
        {run.catalogueRows.map((row) => (
          <li key={row.id} className="selectable">
            {row.text}
          </li>
        ))}
      </ol>
    </details>
  );
}

/** Under a customer's message: the assistant handed the conversation over, or could not answer. */
export function RunNote({ run }: { run: AssistantRun }) {
  const { t } = useTranslation();
  if (run.outcome !== "handoff" && run.outcome !== "failed") return null;
  return (
    <p className={`run-note run-note--${run.outcome}`} data-testid="run-note" data-outcome={run.outcome} role="note">
      {t(`testChat.${run.outcome}`, { reason: run.text })}
    </p>
  );
}
