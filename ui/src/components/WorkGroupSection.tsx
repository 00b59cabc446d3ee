// The project's work group: the steps to set it up, and what it lacks.
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { api, type Project, type ProjectBot, type WorkGroup } from "../api";
import { apiMessage } from "../errors";
import { formatFull } from "../format";
import { AlertIcon, CheckIcon, GroupIcon } from "./Icon";
import { SectionHead } from "./ProjectDetail";

export function WorkGroupSection({ project, onChanged }: { project: Project; onChanged: (project: Project) => void }) {
  const { t } = useTranslation();
  const { bot, workGroup } = project;

  let state: string;
  let body: ReactNode;
  if (!bot) {
    state = "no_bot";
    body = (
      <>
        <p className="card-text muted" data-testid="work-group-needs-bot">
          {t("workGroup.needBot")}
        </p>
        {workGroup && <BoundGroup project={project} group={workGroup} bot={null} onChanged={onChanged} />}
      </>
    );
  } else if (!workGroup) {
    state = "waiting";
    const listening = bot.state === "online" || bot.state === "connecting";
    body = (
      <>
        <p className="card-text">{t("workGroup.intro")}</p>
        <ol className="steps">
          <li>{t("workGroup.step1")}</li>
          <li>{t("workGroup.step2")}</li>
          <li>
            {t("workGroup.step3", { bot: bot.username })}
            <span className="step-alt">{t("workGroup.step3Alt")}</span>
          </li>
        </ol>
        <p className="waiting" data-testid="work-group-waiting" role="status" data-bot-state={bot.state}>
          <span className={`waiting-dot${listening ? " is-live" : ""}`} aria-hidden="true" />
          {listening ? t("workGroup.waiting", { bot: bot.username }) : t("workGroup.waitingOffline")}
        </p>
      </>
    );
  } else {
    const check = workGroup.check;
    state = !check ? "unchecked" : check.missing.length === 0 && !check.error ? "ready" : "missing";
    body = <BoundGroup project={project} group={workGroup} bot={bot} onChanged={onChanged} />;
  }

  return (
    <section className="card" data-testid="work-group" data-state={state}>
      <SectionHead icon={<GroupIcon size={16} />} title={t("workGroup.title")} />
      {body}
    </section>
  );
}

function BoundGroup({
  project,
  group,
  bot,
  onChanged,
}: {
  project: Project;
  group: WorkGroup;
  bot: ProjectBot | null;
  onChanged: (project: Project) => void;
}) {
  const { t, i18n } = useTranslation();
  const [busy, setBusy] = useState<"check" | "unbind" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const check = group.check;
  // Without a bot the fixes name no one; they would read "@".
  const botName = bot?.username ?? "";

  const run = async (what: "check" | "unbind") => {
    setBusy(what);
    setError(null);
    try {
      onChanged(
        await (what === "check" ? api.checkWorkGroup(project.id) : api.unbindWorkGroup(project.id)),
      );
    } catch (reason) {
      setError(apiMessage(reason, t));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="group-bound">
      <div className="group-title-line">
        <span className="group-title selectable" data-testid="work-group-title">
          {group.title}
        </span>
      </div>

      {bot &&
        (check == null ? (
          <p className="card-text muted">{t("workGroup.notChecked")}</p>
        ) : check.missing.length === 0 && !check.error ? (
          <p className="group-ready" data-testid="work-group-ready">
            <CheckIcon size={15} />
            {t("workGroup.ready")}
          </p>
        ) : (
          <div className="group-missing">
            <p className="group-missing-title">{t("workGroup.missingTitle")}</p>
            <ul className="problems" data-testid="work-group-missing">
              {check.missing.map((problem) => (
                <li key={problem} className="problem" data-problem={problem}>
                  <AlertIcon size={15} className="problem-icon" />
                  <span>
                    {t(`workGroup.problem.${problem}`, { bot: botName })}
                    {problem === "unreachable" && check.error && (
                      <span className="problem-detail selectable">
                        {t("workGroup.telegramSaid", { error: check.error })}
                      </span>
                    )}
                  </span>
                </li>
              ))}
              {check.error && !check.missing.includes("unreachable") && (
                <li className="problem" data-problem="unreachable">
                  <AlertIcon size={15} className="problem-icon" />
                  <span>
                    {t("workGroup.problem.unreachable")}
                    <span className="problem-detail selectable">
                      {t("workGroup.telegramSaid", { error: check.error })}
                    </span>
                  </span>
                </li>
              )}
            </ul>
            <p className="hint">{t("workGroup.afterFix")}</p>
          </div>
        ))}

      {error && (
        <p className="form-error" data-testid="work-group-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}

      <div className="form-actions group-actions">
        {bot && (
          <button
            type="button"
            className="button"
            data-testid="work-group-check"
            onClick={() => void run("check")}
            disabled={busy != null}
          >
            {busy === "check" && <span className="spinner" aria-hidden="true" />}
            {busy === "check" ? t("workGroup.checking") : t("workGroup.check")}
          </button>
        )}
        <button
          type="button"
          className="button button--quiet"
          data-testid="work-group-unbind"
          onClick={() => void run("unbind")}
          disabled={busy != null}
          title={t("workGroup.unbindHint")}
        >
          {t("workGroup.unbind")}
        </button>
        {check && (
          <span className="group-checked-at" data-testid="work-group-checked-at">
            {t("workGroup.checkedAt", { time: formatFull(check.checkedAt, i18n.language) })}
          </span>
        )}
      </div>
    </div>
  );
}
