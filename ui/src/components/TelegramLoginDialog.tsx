import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import { createPortal } from "react-dom";
import { useTranslation } from "react-i18next";
import { api, type LoginAttempt, type LoginMethod, type Project } from "../api";
import { useAction, useEngineEvents, useNow } from "../hooks";
import { AlertIcon, CheckIcon, CrossIcon } from "./Icon";
import { TelegramAppForm } from "./TelegramAppForm";

type Props = {
  /** The projects an account can join; the first ready one is chosen. */
  projects: Project[];
  projectId?: number;
  onClose: () => void;
};

/** Why an account cannot join this project yet, if it cannot. */
export function notReady(project: Project): "bot" | "work_group" | null {
  if (!project.bot) return "bot";
  if (!project.workGroup) return "work_group";
  return null;
}

/**
 * Connects a staff member's own Telegram account: the QR code (renewed by
 * itself until scanned), or the phone number and its code; then the
 * password when the account has two-step verification. The states come
 * live from the engine.
 */
export function TelegramLoginDialog({ projects, projectId, onClose }: Props) {
  const { t } = useTranslation();
  const titleId = useId();
  const ready = projects.filter((p) => notReady(p) == null);
  const [project, setProject] = useState<number | null>(projectId ?? ready[0]?.id ?? null);
  const [appReady, setAppReady] = useState<boolean | null>(null);
  const [attempt, setAttempt] = useState<LoginAttempt | null>(null);
  const [proxy, setProxy] = useState("");
  const [phoneMode, setPhoneMode] = useState(false);
  const [phone, setPhone] = useState("");
  const { busy, error, run } = useAction();
  const current = useRef<string | null>(null);

  useEffect(() => {
    api
      .telegramApp()
      .then((app) => setAppReady(app.source !== "missing"))
      .catch(() => setAppReady(false));
  }, []);

  const start = useCallback(
    (method: LoginMethod) => {
      if (project == null) return;
      void run(async () => {
        const started = await api.startTelegramLogin({ projectId: project, method, proxy: proxy.trim() || null });
        current.current = started.id;
        setAttempt(started);
      });
    },
    [project, proxy, run],
  );

  // The attempt as the engine moves it on.
  useEngineEvents((event) => {
    if (event.type !== "login_changed" || event.login_id !== current.current) return;
    api
      .telegramLogin(event.login_id)
      .then((next) => {
        if (next.id === current.current) setAttempt(next);
      })
      .catch((reason: unknown) => console.warn("Could not read the login", reason));
  });

  const close = useCallback(() => {
    const id = current.current;
    if (id && attempt?.state !== "connected") {
      api.cancelTelegramLogin(id).catch(() => undefined);
    }
    onClose();
  }, [attempt?.state, onClose]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") close();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [close]);

  // Connected: the list behind shows the account; the dialog goes.
  useEffect(() => {
    if (attempt?.state !== "connected") return;
    const timer = setTimeout(onClose, 1500);
    return () => clearTimeout(timer);
  }, [attempt?.state, onClose]);

  const again = () => {
    current.current = null;
    setAttempt(null);
  };

  let body;
  if (appReady === false) {
    body = <TelegramAppForm intro onSaved={() => setAppReady(true)} />;
  } else if (!attempt) {
    body = (
      <StartForm
        projects={projects}
        project={project}
        onProject={setProject}
        proxy={proxy}
        onProxy={setProxy}
        phoneMode={phoneMode}
        phone={phone}
        onPhone={setPhone}
        busy={busy || appReady == null}
        onStart={() => start(phoneMode ? { method: "phone", phone: phone.trim() } : { method: "qr" })}
        onPhoneMode={setPhoneMode}
      />
    );
  } else {
    body = <AttemptView attempt={attempt} onAgain={again} onClose={onClose} />;
  }

  return createPortal(
    <div
      className="dialog-backdrop"
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) close();
      }}
    >
      <div
        className="dialog tg-login"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="tg-login"
        data-state={attempt?.state ?? (appReady === false ? "app" : "start")}
      >
        <div className="dialog-head">
          <h2 id={titleId}>{t("tgLogin.title")}</h2>
          <button type="button" className="icon-button" onClick={close} aria-label={t("merge.close")} title={t("merge.close")}>
            <CrossIcon size={12} />
          </button>
        </div>
        {body}
        {error && (
          <p className="form-error" data-testid="tg-login-error" role="alert">
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
  proxy: string;
  onProxy: (proxy: string) => void;
  phoneMode: boolean;
  phone: string;
  onPhone: (phone: string) => void;
  busy: boolean;
  onStart: () => void;
  onPhoneMode: (on: boolean) => void;
}) {
  const { t } = useTranslation();
  const chosen = props.projects.find((p) => p.id === props.project) ?? null;
  const blocked = chosen ? notReady(chosen) : "bot";
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!props.busy && !blocked) props.onStart();
  };
  return (
    <form className="tg-login-start" onSubmit={submit}>
      <p className="dialog-text">{t("tgLogin.intro")}</p>
      <label className="field">
        <span className="field-label">{t("tgLogin.project")}</span>
        <select
          data-testid="tg-login-project"
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
      {blocked && (
        <p className="dialog-note dialog-note--error" data-testid="tg-login-blocked">
          {t(`tgLogin.blocked.${blocked}`)}
        </p>
      )}
      {props.phoneMode && (
        <label className="field">
          <span className="field-label">{t("tgLogin.phone")}</span>
          <input
            type="tel"
            data-testid="tg-login-phone"
            value={props.phone}
            placeholder="+7 900 000-00-00"
            onChange={(e) => props.onPhone(e.target.value)}
          />
        </label>
      )}
      <details className="tg-login-proxy">
        <summary>{t("tgLogin.proxy")}</summary>
        <label className="field">
          <span className="field-label">{t("tgLogin.proxyAddress")}</span>
          <input
            type="text"
            data-testid="tg-login-proxy"
            value={props.proxy}
            placeholder="socks5://127.0.0.1:1080"
            spellCheck={false}
            onChange={(e) => props.onProxy(e.target.value)}
          />
        </label>
      </details>
      <div className="form-actions">
        <button
          type="submit"
          className="button button--primary"
          data-testid="tg-login-start"
          disabled={props.busy || blocked != null || (props.phoneMode && !props.phone.trim())}
        >
          {props.phoneMode ? t("tgLogin.sendCode") : t("tgLogin.showQr")}
        </button>
        <button type="button" className="link-button" data-testid="tg-login-switch" onClick={() => props.onPhoneMode(!props.phoneMode)}>
          {props.phoneMode ? t("tgLogin.useQr") : t("tgLogin.usePhone")}
        </button>
      </div>
    </form>
  );
}

function AttemptView({ attempt, onAgain, onClose }: { attempt: LoginAttempt; onAgain: () => void; onClose: () => void }) {
  const { t } = useTranslation();
  const now = useNow(1000);
  const [answer, setAnswer] = useState("");
  const { busy, error, run } = useAction();
  const left = Math.max(0, Math.round((attempt.expiresAt - now) / 1000));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = answer;
    if (!value.trim() || busy) return;
    void run(async () => {
      if (attempt.state === "password_required") await api.telegramLoginPassword(attempt.id, value);
      else await api.telegramLoginCode(attempt.id, value.trim());
      setAnswer("");
    });
  };

  switch (attempt.state) {
    case "preparing":
      return <p className="dialog-text" role="status">{t("tgLogin.preparing")}</p>;
    case "waiting_for_scan":
      return (
        <div className="tg-login-qr">
          {attempt.qrSvg && (
            <img
              className="tg-login-code"
              data-testid="tg-login-qr"
              data-url={attempt.qrUrl ?? ""}
              src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(attempt.qrSvg)}`}
              alt={t("tgLogin.qrAlt")}
            />
          )}
          <ol className="tg-login-steps">
            <li>{t("tgLogin.step1")}</li>
            <li>{t("tgLogin.step2")}</li>
            <li>{t("tgLogin.step3")}</li>
          </ol>
          <p className="hint" role="status" data-testid="tg-login-left">
            {t("tgLogin.waiting", { seconds: left })}
          </p>
        </div>
      );
    case "code_required":
    case "password_required": {
      const password = attempt.state === "password_required";
      return (
        <form className="tg-login-answer" onSubmit={submit}>
          <p className="dialog-text">{password ? t("tgLogin.passwordIntro") : t("tgLogin.codeIntro")}</p>
          {password && attempt.passwordHint && (
            <p className="hint" data-testid="tg-login-hint">
              {t("tgLogin.hint", { hint: attempt.passwordHint })}
            </p>
          )}
          <label className="field">
            <span className="field-label">{password ? t("tgLogin.password") : t("tgLogin.code")}</span>
            <input
              type={password ? "password" : "text"}
              inputMode={password ? undefined : "numeric"}
              autoComplete={password ? "current-password" : "one-time-code"}
              data-testid={password ? "tg-login-password" : "tg-login-code-input"}
              value={answer}
              autoFocus
              onChange={(e) => setAnswer(e.target.value)}
            />
          </label>
          {attempt.wrongAnswer && (
            <p className="form-error" data-testid="tg-login-wrong" role="alert">
              <AlertIcon size={14} />
              {password ? t("tgLogin.wrongPassword") : t("tgLogin.wrongCode")}
            </p>
          )}
          {error && (
            <p className="form-error" role="alert">
              <AlertIcon size={14} />
              {error}
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="button button--primary" data-testid="tg-login-submit" disabled={busy || !answer.trim()}>
              {t("tgLogin.continue")}
            </button>
          </div>
        </form>
      );
    }
    case "connected":
      return (
        <p className="dialog-text tg-login-done" role="status" data-testid="tg-login-connected">
          <CheckIcon size={14} />
          {t("tgLogin.connected", { name: attempt.accountName ?? "" })}
        </p>
      );
    case "expired":
    case "error":
      return (
        <div className="tg-login-ended">
          <p className="dialog-note dialog-note--error" role="alert" data-testid="tg-login-ended">
            {attempt.state === "expired" ? t("tgLogin.expired") : t("tgLogin.failed", { error: attempt.error ?? "" })}
          </p>
          <div className="form-actions">
            <button type="button" className="button button--primary" data-testid="tg-login-again" onClick={onAgain}>
              {t("tgLogin.again")}
            </button>
            <button type="button" className="link-button" onClick={onClose}>
              {t("projects.cancel")}
            </button>
          </div>
        </div>
      );
  }
}
