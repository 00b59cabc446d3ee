import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import { createPortal } from "react-dom";
import { useTranslation } from "react-i18next";
import { api, type LinkMethod, type LoginAttempt, type Project } from "../api";
import { useAction, useEngineEvents, useNow } from "../hooks";
import { AlertIcon, CheckIcon, CrossIcon } from "./Icon";

type Props = {
  /** The projects a number can join; the first is chosen unless `projectId` says. */
  projects: Project[];
  projectId?: number;
  onClose: () => void;
};

type Mode = LinkMethod["method"];

/** An attempt the engine no longer moves on. */
const ended = (attempt: LoginAttempt | null) =>
  attempt != null && (attempt.state === "connected" || attempt.state === "expired" || attempt.state === "error");

/** WhatsApp's eight-character pairing code, in two halves as the phone shows it. */
export function formatPairCode(code: string): string {
  const bare = code.replace(/[\s-]/g, "").toUpperCase();
  return bare.length === 8 ? `${bare.slice(0, 4)}-${bare.slice(4)}` : code;
}

/** Seconds as m:ss. */
function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/**
 * Links the shop's own WhatsApp number as a device, the way WhatsApp Web is
 * linked: the QR code (replaced live as WhatsApp rotates it) with the steps
 * on the phone, or a pairing code to type on the phone instead. The states
 * come live from the engine; closing the dialog cancels the attempt.
 */
export function WhatsAppLinkDialog({ projects, projectId, onClose }: Props) {
  const { t } = useTranslation();
  const titleId = useId();
  const [project, setProject] = useState<number | null>(projectId ?? projects[0]?.id ?? null);
  const [mode, setMode] = useState<Mode>("qr");
  const [phone, setPhone] = useState("");
  const [attempt, setAttempt] = useState<LoginAttempt | null>(null);
  const { busy, error, run } = useAction();
  const current = useRef<string | null>(null);
  const latest = useRef<LoginAttempt | null>(null);
  useEffect(() => {
    latest.current = attempt;
  }, [attempt]);

  /** Reads the attempt again, if it is still the one shown. */
  const reread = useCallback((id: string) => {
    api
      .whatsappLink(id)
      .then((next) => {
        if (next.id === current.current) setAttempt(next);
      })
      .catch((reason: unknown) => console.warn("Could not read the link attempt", reason));
  }, []);

  /** Lets the engine drop the attempt under way, if one is. */
  const cancelCurrent = useCallback(() => {
    const id = current.current;
    current.current = null;
    if (id && !ended(latest.current)) {
      api.cancelWhatsappLink(id).catch((reason: unknown) => console.warn("Could not cancel the link", reason));
    }
  }, []);

  // Closing the dialog (or leaving the view) cancels the attempt.
  useEffect(() => cancelCurrent, [cancelCurrent]);

  const start = useCallback(
    (method: LinkMethod) => {
      if (project == null) return;
      cancelCurrent();
      setAttempt(null);
      void run(async () => {
        const started = await api.startWhatsappLink({ projectId: project, method });
        current.current = started.id;
        setAttempt(started);
        // What changed while the engine answered (its events came before the id was known).
        reread(started.id);
      });
    },
    [cancelCurrent, project, reread, run],
  );

  const startMode = (next: Mode) => start(next === "qr" ? { method: "qr" } : { method: "code", phone: phone.trim() });


  // The attempt as the engine moves it on: a new QR code, linked, expired…
  useEngineEvents((event) => {
    const id = current.current;
    if (!id) return;
    if ((event.type === "login_changed" && event.login_id === id) || event.type === "resync") reread(id);
  });

  // And now and then besides, should an event go missing.
  const liveId = attempt && !ended(attempt) ? attempt.id : null;
  useEffect(() => {
    if (!liveId) return;
    const timer = setInterval(() => reread(liveId), 5000);
    return () => clearInterval(timer);
  }, [liveId, reread]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  // Linked: the list behind shows the number; the dialog goes (however often the view behind renders).
  const closeLater = useRef(onClose);
  useEffect(() => {
    closeLater.current = onClose;
  }, [onClose]);
  useEffect(() => {
    if (attempt?.state !== "connected") return;
    const timer = setTimeout(() => closeLater.current(), 1500);
    return () => clearTimeout(timer);
  }, [attempt?.state]);

  /** Back to the form, for the other way of linking. */
  const switchTo = (next: Mode) => {
    cancelCurrent();
    setAttempt(null);
    setMode(next);
    if (next === "qr" && attempt != null) startMode("qr");
  };

  let body;
  if (!attempt) {
    body = (
      <StartForm
        projects={projects}
        project={project}
        onProject={setProject}
        mode={mode}
        phone={phone}
        onPhone={setPhone}
        busy={busy}
        onStart={() => startMode(mode)}
        onSwitch={() => switchTo(mode === "qr" ? "code" : "qr")}
      />
    );
  } else {
    body = (
      <AttemptView
        attempt={attempt}
        mode={mode}
        phone={phone.trim()}
        busy={busy}
        onAgain={() => startMode(mode)}
        onSwitch={() => switchTo(mode === "qr" ? "code" : "qr")}
        onClose={onClose}
      />
    );
  }

  return createPortal(
    <div
      className="dialog-backdrop"
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      <div
        className="dialog wa-link"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="wa-link"
        data-state={attempt?.state ?? "start"}
        data-mode={mode}
      >
        <div className="dialog-head">
          <h2 id={titleId}>{t("waLink.title")}</h2>
          <button type="button" className="icon-button" onClick={onClose} aria-label={t("merge.close")} title={t("merge.close")}>
            <CrossIcon size={12} />
          </button>
        </div>
        {body}
        {error && (
          <p className="form-error" data-testid="wa-link-error" role="alert">
            <AlertIcon size={14} />
            {error}
          </p>
        )}
      </div>
    </div>,
    document.body,
  );
}

function StartForm(props: {
  projects: Project[];
  project: number | null;
  onProject: (id: number) => void;
  mode: Mode;
  phone: string;
  onPhone: (phone: string) => void;
  busy: boolean;
  onStart: () => void;
  onSwitch: () => void;
}) {
  const { t } = useTranslation();
  const hintId = useId();
  const byCode = props.mode === "code";
  const blocked = props.project == null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!props.busy && !blocked && (!byCode || props.phone.trim())) props.onStart();
  };
  return (
    <form className="wa-link-start" onSubmit={submit} data-testid="wa-link-form">
      <p className="dialog-text">{t("waLink.intro")}</p>
      {props.projects.length === 0 ? (
        <p className="dialog-note dialog-note--error" data-testid="wa-link-no-projects">
          {t("waLink.noProjects")}
        </p>
      ) : (
        <label className="field">
          <span className="field-label">{t("waLink.project")}</span>
          <select
            data-testid="wa-link-project"
            value={props.project ?? ""}
            onChange={(e) => props.onProject(Number(e.target.value))}
          >
            {props.projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {byCode && (
        <label className="field">
          <span className="field-label">{t("waLink.phone")}</span>
          <input
            type="tel"
            data-testid="wa-link-phone"
            value={props.phone}
            placeholder="+7 999 123-45-67"
            autoComplete="tel"
            autoFocus
            aria-describedby={hintId}
            onChange={(e) => props.onPhone(e.target.value)}
          />
        </label>
      )}
      {byCode && (
        <p className="hint wa-link-phone-hint" id={hintId}>
          {t("waLink.phoneHint")}
        </p>
      )}
      <div className="form-actions">
        <button
          type="submit"
          className="button button--primary"
          data-testid="wa-link-start"
          disabled={props.busy || blocked || (byCode && !props.phone.trim())}
          aria-busy={props.busy}
        >
          {props.busy && <span className="spinner" aria-hidden="true" />}
          {byCode ? t("waLink.getCode") : t("waLink.showQr")}
        </button>
        <button type="button" className="link-button" data-testid="wa-link-switch" onClick={props.onSwitch}>
          {byCode ? t("waLink.useQr") : t("waLink.usePhone")}
        </button>
      </div>
    </form>
  );
}

function AttemptView(props: {
  attempt: LoginAttempt;
  mode: Mode;
  phone: string;
  busy: boolean;
  onAgain: () => void;
  onSwitch: () => void;
  onClose: () => void;
}) {
  const { attempt, mode } = props;
  const { t } = useTranslation();
  const stepsId = useId();
  const codeLabelId = useId();
  const now = useNow(1000);
  const left = clock((attempt.expiresAt - now) / 1000);

  if (attempt.state === "connected") {
    return (
      <div className="wa-link-ended">
        <p className="dialog-text wa-link-done" role="status" data-testid="wa-link-connected">
          <CheckIcon size={16} />
          {t("waLink.linked", { name: attempt.accountName ?? "" })}
        </p>
        <div className="form-actions">
          <button type="button" className="button button--primary" onClick={props.onClose}>
            {t("waLink.done")}
          </button>
        </div>
      </div>
    );
  }

  if (attempt.state === "expired" || attempt.state === "error") {
    const why =
      attempt.state === "error"
        ? t("waLink.failed", { error: attempt.error ?? "" })
        : mode === "code"
          ? t("waLink.expiredCode")
          : t("waLink.expired");
    return (
      <div className="wa-link-ended">
        <p className="dialog-note dialog-note--error" role="alert" data-testid="wa-link-ended">
          {why}
        </p>
        <div className="form-actions">
          <button
            type="button"
            className="button button--primary"
            data-testid="wa-link-again"
            disabled={props.busy}
            onClick={props.onAgain}
          >
            {t("waLink.again")}
          </button>
          <button type="button" className="link-button" onClick={props.onClose}>
            {t("waLink.cancel")}
          </button>
        </div>
      </div>
    );
  }

  const switchButton = (
    <button type="button" className="link-button wa-link-switch" data-testid="wa-link-switch" onClick={props.onSwitch}>
      {mode === "code" ? t("waLink.useQr") : t("waLink.usePhone")}
    </button>
  );

  if (attempt.state === "waiting_for_scan" && attempt.pairCode) {
    const code = formatPairCode(attempt.pairCode);
    return (
      <div className="wa-link-pairing">
        <div className="wa-link-pair" role="group" aria-labelledby={codeLabelId}>
          <span className="wa-link-pair-label" id={codeLabelId}>
            {t("waLink.code")}
          </span>
          <strong
            className="wa-link-pair-code selectable"
            data-testid="wa-link-code"
            data-code={attempt.pairCode}
          >
            {code}
          </strong>
        </div>
        <ol className="wa-link-steps" id={stepsId} aria-label={t("waLink.steps")} data-testid="wa-link-steps">
          <li>{t("waLink.codeStep1", { phone: props.phone })}</li>
          <li>{t("waLink.codeStep2")}</li>
          <li>{t("waLink.codeStep3")}</li>
          <li>{t("waLink.codeStep4")}</li>
        </ol>
        <p className="hint" role="status" data-testid="wa-link-left">
          {t("waLink.codeLeft", { time: left })}
        </p>
        {switchButton}
      </div>
    );
  }

  if (attempt.state === "waiting_for_scan" && attempt.qrSvg) {
    return (
      <div className="wa-link-qr">
        <img
          className="wa-link-qr-code"
          data-testid="wa-link-qr"
          data-url={attempt.qrUrl ?? ""}
          src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(attempt.qrSvg)}`}
          alt={t("waLink.qrAlt")}
        />
        <ol className="wa-link-steps" id={stepsId} aria-label={t("waLink.steps")} data-testid="wa-link-steps">
          <li>{t("waLink.qrStep1")}</li>
          <li>{t("waLink.qrStep2")}</li>
          <li>{t("waLink.qrStep3")}</li>
          <li>{t("waLink.qrStep4")}</li>
        </ol>
        <p className="hint wa-link-left" role="status" data-testid="wa-link-left">
          {t("waLink.qrLeft", { time: left })}
        </p>
        {switchButton}
      </div>
    );
  }

  // Connecting, and waiting for WhatsApp to offer a code.
  return (
    <div className="wa-link-preparing">
      <p className="dialog-text" role="status" data-testid="wa-link-preparing">
        <span className="spinner" aria-hidden="true" />
        {t("waLink.preparing")}
      </p>
      {switchButton}
    </div>
  );
}
