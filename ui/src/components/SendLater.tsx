import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type SendTimes } from "../api";
import { apiMessage } from "../errors";
import { computerTimeZone, formatZonedClock, formatZonedFull, isOtherZone, pickedTimeProblem } from "../sendLater";
import { Dropdown } from "./Dropdown";
import { AlertIcon, ClockIcon } from "./Icon";
import { PickTimeItem } from "./PickTime";

/**
 * The button next to Send that sends later: a menu of the times the engine
 * offers (in the shop's time zone, named when it is not this computer's),
 * and a date and time to pick. Choosing one sends the reply with that time.
 */
export function SendLaterButton({
  conversationId,
  disabled,
  onPick,
}: {
  conversationId: number;
  disabled: boolean;
  /** Sends the reply to go at `sendAt`; the menu closes first. */
  onPick: (sendAt: number) => void;
}) {
  const { t } = useTranslation();
  return (
    <Dropdown
      label={t("sendLater.title")}
      content={<ClockIcon size={14} />}
      className="send-later"
      buttonClass="button composer-later"
      testId="composer-later"
      popoverTestId="send-later-menu"
      ariaLabel={t("sendLater.button")}
      title={t("sendLater.button")}
      disabled={disabled}
      opens="up"
    >
      {(close) => (
        <SendLaterChoices
          conversationId={conversationId}
          onPick={(at) => {
            close();
            onPick(at);
          }}
        />
      )}
    </Dropdown>
  );
}

function SendLaterChoices({ conversationId, onPick }: { conversationId: number; onPick: (sendAt: number) => void }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const [times, setTimes] = useState<SendTimes | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const firstRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    let live = true;
    api
      .sendTimes(conversationId)
      .then((answer) => {
        if (live) setTimes(answer);
      })
      .catch((reason: unknown) => {
        if (live) setLoadError(apiMessage(reason, t));
      });
    return () => {
      live = false;
    };
  }, [conversationId, t]);

  // The first time is ready for the keyboard once the times are read.
  useEffect(() => {
    if (times) firstRef.current?.focus();
  }, [times]);

  const zone = times?.timeZone ?? null;
  const otherZone = zone != null && isOtherZone(zone);
  const computerZone = computerTimeZone();

  return (
    <>
      <div className="menu-title">{t("sendLater.title")}</div>
      {times == null && loadError == null && <div className="send-later-note">{t("sendLater.loading")}</div>}
      {loadError != null && (
        <div className="send-later-note send-later-note--error" role="alert">
          <AlertIcon size={13} />
          {loadError}
        </div>
      )}
      {times?.presets.map((p, i) => (
        <button
          key={p.preset}
          ref={i === 0 ? firstRef : undefined}
          type="button"
          role="menuitem"
          className="menu-item"
          data-testid="send-later-preset"
          data-preset={p.preset}
          title={formatZonedFull(p.at, zone, language)}
          onClick={() => onPick(p.at)}
        >
          {t(`sendLater.preset.${p.preset}`, { time: formatZonedClock(p.at, zone, language) })}
        </button>
      ))}
      {otherZone && (
        <div className="send-later-note" data-testid="send-later-zone">
          {t("sendLater.zone", { zone })}
        </div>
      )}
      {/* A date and time of this computer's clock, later than now. */}
      <PickTimeItem
        testId="send-later"
        submitTestId="send-later-schedule"
        pickText={t("sendLater.pick")}
        fieldLabel={t("sendLater.pickLabel")}
        submitText={t("sendLater.schedule")}
        initialAfterMs={2 * 3_600_000}
        hint={computerZone && t("sendLater.pickZone", { zone: computerZone })}
        problemOf={(value, now) => {
          const problem = pickedTimeProblem(value, now);
          return problem && t(problem === "past" ? "sendLater.past" : "sendLater.missing");
        }}
        onPick={onPick}
      />
    </>
  );
}
