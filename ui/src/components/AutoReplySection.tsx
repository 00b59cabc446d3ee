import { useEffect, useId, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, AUTO_REPLY_MODES, type AssistantSettings, type AutoReplyMode, type ScheduleInterval } from "../api";
import { delaySeconds, inputOf, knownTimeZones } from "../assistant";
import { useAction, useEngineEvents } from "../hooks";
import { ClockIcon } from "./Icon";
import { SectionHead } from "./ProjectDetail";
import { SaveFooter } from "./SaveFooter";
import { ScheduleEditor } from "./ScheduleEditor";

type Draft = {
  autoReply: AutoReplyMode;
  autoReplyText: string;
  delay: string;
  schedule: ScheduleInterval[];
  timeZone: string;
};

const draftOf = (s: AssistantSettings): Draft => ({
  autoReply: s.autoReply,
  autoReplyText: s.autoReplyText,
  delay: String(s.autoReplyDelayS),
  schedule: s.schedule,
  timeZone: s.timeZone,
});

const same = (a: Draft, b: Draft) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The auto-reply: a fixed answer sent a little after a customer writes,
 * around the clock or during the weekly intervals of a schedule.
 */
export function AutoReplySection({
  settings,
  onSaved,
}: {
  settings: AssistantSettings;
  onSaved: (s: AssistantSettings) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saved, setSaved] = useState(false);
  const [badDelay, setBadDelay] = useState(false);
  const { busy, error, run } = useAction();
  const zones = useMemo(knownTimeZones, []);
  const value = draftOf(settings);
  const shown = draft ?? value;
  const changed = draft != null && !same(draft, value);

  const edit = (patch: Partial<Draft>) => {
    setSaved(false);
    if ("delay" in patch) setBadDelay(false);
    setDraft({ ...shown, ...patch });
  };

  const save = () => {
    if (!changed || busy) return;
    const delay = delaySeconds(shown.delay);
    if (delay == null) {
      setBadDelay(true);
      return;
    }
    void run(async () => {
      const next = await api.saveAssistantSettings(settings.projectId, {
        ...inputOf(settings),
        autoReply: shown.autoReply,
        autoReplyText: shown.autoReplyText,
        autoReplyDelayS: delay,
        schedule: shown.schedule,
        timeZone: shown.timeZone.trim(),
      });
      onSaved(next);
      setDraft(null);
      setSaved(true);
    });
  };

  return (
    <section className="card" data-testid="auto-reply" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<ClockIcon size={16} />} title={t("autoReply.title")} />
      <p className="card-text">{t("autoReply.intro")}</p>
      <PausedNotice />
      <form
        className="project-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <fieldset className="plain-fieldset" disabled={busy}>
          <div className="form-grid">
            <label className="field">
              <span className="field-label">{t("autoReply.when")}</span>
              <select
                data-testid="auto-reply-mode"
                value={shown.autoReply}
                onChange={(e) => edit({ autoReply: e.target.value as AutoReplyMode })}
              >
                {AUTO_REPLY_MODES.map((mode) => (
                  <option key={mode} value={mode}>
                    {t(`autoReply.mode.${mode}`)}
                  </option>
                ))}
              </select>
            </label>
            <div className="field">
              <label className="field-label" htmlFor={`${id}-delay-input`}>
                {t("autoReply.delay")}
              </label>
              <input
                id={`${id}-delay-input`}
                type="text"
                inputMode="numeric"
                data-testid="auto-reply-delay"
                value={shown.delay}
                onChange={(e) => edit({ delay: e.target.value })}
                aria-invalid={badDelay || undefined}
                aria-describedby={`${id}-delay`}
              />
              <span className={badDelay ? "field-error" : "hint"} id={`${id}-delay`}>
                {badDelay ? t("autoReply.delayInvalid") : t("autoReply.delayHint")}
              </span>
            </div>
            <label className="field form-grid-wide">
              <span className="field-label">{t("autoReply.text")}</span>
              <textarea
                data-testid="auto-reply-text"
                rows={3}
                value={shown.autoReplyText}
                placeholder={t("autoReply.textPlaceholder")}
                onChange={(e) => edit({ autoReplyText: e.target.value })}
              />
            </label>
          </div>
          {shown.autoReply === "schedule" && (
            <ScheduleEditor value={shown.schedule} onChange={(schedule) => edit({ schedule })} />
          )}
          {shown.autoReply !== "off" && (
            <div className="field time-zone-field">
              <label className="field-label" htmlFor={`${id}-zone`}>
                {t("autoReply.timeZone")}
              </label>
              <input
                id={`${id}-zone`}
                type="text"
                data-testid="auto-reply-time-zone"
                list={zones.length > 0 ? `${id}-zones` : undefined}
                value={shown.timeZone}
                placeholder={settings.effectiveTimeZone}
                onChange={(e) => edit({ timeZone: e.target.value })}
                spellCheck={false}
              />
              <span className="hint" data-testid="auto-reply-effective-zone">
                {shown.timeZone.trim()
                  ? t("autoReply.timeZoneSet", { zone: settings.effectiveTimeZone })
                  : t("autoReply.timeZoneHint", { zone: settings.effectiveTimeZone })}
              </span>
              {zones.length > 0 && (
                <datalist id={`${id}-zones`}>
                  {zones.map((zone) => (
                    <option key={zone} value={zone} />
                  ))}
                </datalist>
              )}
            </div>
          )}
        </fieldset>
        <SaveFooter
          testId="auto-reply"
          error={error}
          changed={changed}
          busy={busy}
          saved={saved}
          onCancel={() => setDraft(null)}
        />
      </form>
    </section>
  );
}

/** Auto-replies paused for the whole app (from the tray): said here, with the way back. */
function PausedNotice() {
  const { t } = useTranslation();
  const [paused, setPaused] = useState(false);
  const { busy, run } = useAction();
  useEffect(() => {
    api.autoRepliesPaused().then(setPaused, (error: unknown) => console.warn("Could not read the pause", error));
  }, []);
  useEngineEvents((event) => {
    if (event.type === "auto_replies_paused") setPaused(event.paused);
  });
  if (!paused) return null;
  return (
    <p className="paused-note" data-testid="auto-reply-paused">
      {t("autoReply.paused")}{" "}
      <button
        type="button"
        className="button"
        data-testid="auto-reply-resume"
        disabled={busy}
        onClick={() => void run(async () => setPaused(await api.pauseAutoReplies(false)))}
      >
        {t("autoReply.resume")}
      </button>
    </p>
  );
}
