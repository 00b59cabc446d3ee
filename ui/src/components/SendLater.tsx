import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent as ReactKeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, type SendTimes } from "../api";
import { apiMessage } from "../errors";
import {
  computerTimeZone,
  dateTimeInputValue,
  formatZonedClock,
  formatZonedFull,
  isOtherZone,
  parseDateTimeInput,
  pickedTimeProblem,
} from "../sendLater";
import { AlertIcon, ClockIcon } from "./Icon";

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
  /** Sends the reply to go at `sendAt`; the menu closes when it resolves. */
  onPick: (sendAt: number) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [open, setOpen] = useState(false);
  const wrapRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);

  // A click elsewhere closes the menu.
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (wrapRef.current && !wrapRef.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [open]);

  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };

  return (
    <div className="send-later" ref={wrapRef}>
      <button
        ref={buttonRef}
        type="button"
        className="button composer-later"
        data-testid="composer-later"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? `${id}-menu` : undefined}
        aria-label={t("sendLater.button")}
        title={t("sendLater.button")}
        disabled={disabled}
        onClick={() => setOpen((o) => !o)}
      >
        <ClockIcon size={14} />
        <span aria-hidden="true" className="composer-later-caret">
          ▾
        </span>
      </button>
      {open && (
        <SendLaterMenu
          id={`${id}-menu`}
          conversationId={conversationId}
          onClose={close}
          onPick={(at) => {
            setOpen(false);
            onPick(at);
          }}
        />
      )}
    </div>
  );
}

function SendLaterMenu({
  id,
  conversationId,
  onClose,
  onPick,
}: {
  id: string;
  conversationId: number;
  onClose: () => void;
  onPick: (sendAt: number) => void;
}) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const [times, setTimes] = useState<SendTimes | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [picking, setPicking] = useState(false);
  const menuRef = useRef<HTMLDivElement>(null);

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
    if (times) menuRef.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }, [times]);

  const items = () => [...(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
  const onKeyDown = (e: ReactKeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    // The date and time field keeps its own arrows.
    if (e.target instanceof HTMLInputElement) return;
    const list = items();
    if (list.length === 0) return;
    e.preventDefault();
    const at = list.indexOf(document.activeElement as HTMLElement);
    const next = e.key === "ArrowDown" ? (at + 1) % list.length : (at - 1 + list.length) % list.length;
    list[next]?.focus();
  };

  const zone = times?.timeZone ?? null;
  const otherZone = zone != null && isOtherZone(zone);

  return (
    <div
      ref={menuRef}
      id={id}
      className="send-later-menu"
      role="menu"
      aria-label={t("sendLater.title")}
      data-testid="send-later-menu"
      onKeyDown={onKeyDown}
    >
      <div className="send-later-title">{t("sendLater.title")}</div>
      {times == null && loadError == null && <div className="send-later-note">{t("sendLater.loading")}</div>}
      {loadError != null && (
        <div className="send-later-note send-later-note--error" role="alert">
          <AlertIcon size={13} />
          {loadError}
        </div>
      )}
      {times?.presets.map((p) => (
        <button
          key={p.preset}
          type="button"
          role="menuitem"
          className="send-later-item"
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
      {picking ? (
        <PickTime onPick={onPick} />
      ) : (
        <button
          type="button"
          role="menuitem"
          className="send-later-item send-later-pick"
          data-testid="send-later-pick"
          onClick={() => setPicking(true)}
        >
          {t("sendLater.pick")}
        </button>
      )}
    </div>
  );
}

/** A date and time of this computer's clock, later than now. */
function PickTime({ onPick }: { onPick: (sendAt: number) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [value, setValue] = useState(() => dateTimeInputValue(Date.now() + 2 * 3_600_000));
  const [problem, setProblem] = useState<"missing" | "past" | null>(null);
  const zone = computerTimeZone();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = pickedTimeProblem(value, Date.now());
    setProblem(found);
    const at = parseDateTimeInput(value);
    if (found == null && at != null) onPick(at);
  };

  return (
    <form className="send-later-form" onSubmit={submit} noValidate data-testid="send-later-form">
      <label className="field">
        <span className="field-label">{t("sendLater.pickLabel")}</span>
        <input
          type="datetime-local"
          data-testid="send-later-at"
          value={value}
          min={dateTimeInputValue(Date.now())}
          aria-invalid={problem != null || undefined}
          aria-describedby={`${id}-hint`}
          autoFocus
          onChange={(e) => {
            setValue(e.target.value);
            setProblem(null);
          }}
        />
      </label>
      {zone && (
        <p className="hint" id={`${id}-hint`}>
          {t("sendLater.pickZone", { zone })}
        </p>
      )}
      {problem != null && (
        <p className="form-error" role="alert" data-testid="send-later-problem">
          <AlertIcon size={13} />
          {t(problem === "past" ? "sendLater.past" : "sendLater.missing")}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button--primary" data-testid="send-later-schedule">
          {t("sendLater.schedule")}
        </button>
      </div>
    </form>
  );
}
