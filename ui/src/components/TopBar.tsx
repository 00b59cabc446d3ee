import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { LANGUAGE_NAMES, LANGUAGES, type Language } from "../i18n";
import { chooseLanguage } from "../language";
import {
  AccountsIcon,
  AvitoIcon,
  ChartIcon,
  ChatIcon,
  GearIcon,
  InboxIcon,
  KeyboardIcon,
  LogoMark,
  MailIcon,
  ProjectsIcon,
  PulseIcon,
  SparkIcon,
} from "./Icon";

export type View = "inbox" | "projects" | "mailboxes" | "avito" | "accounts" | "assistant" | "dashboard" | "health" | "settings";

type Props = {
  view: View;
  onNavigate: (view: View) => void;
  testChatOpen: boolean;
  onToggleTestChat: () => void;
  /** Opens the keyboard shortcuts sheet. */
  onShowShortcuts?: () => void;
};

export function TopBar({ view, onNavigate, testChatOpen, onToggleTestChat, onShowShortcuts }: Props) {
  const { t, i18n } = useTranslation();
  const tab = (target: View, label: string, icon: ReactNode) => (
    <button
      type="button"
      className={`nav-tab${view === target ? " is-active" : ""}`}
      data-testid={`nav-${target}`}
      aria-current={view === target ? "page" : undefined}
      onClick={() => onNavigate(target)}
    >
      {icon}
      {label}
    </button>
  );
  return (
    <header className="topbar">
      <div className="brand" title={t("app.tagline")}>
        <LogoMark />
        <span className="brand-name">{t("app.name")}</span>
      </div>
      <nav className="nav-tabs" aria-label={t("nav.label")}>
        {tab("inbox", t("nav.inbox"), <InboxIcon size={15} />)}
        {tab("projects", t("nav.projects"), <ProjectsIcon size={15} />)}
        {tab("mailboxes", t("nav.mailboxes"), <MailIcon size={15} />)}
        {tab("avito", t("nav.avito"), <AvitoIcon size={15} />)}
        {tab("accounts", t("nav.accounts"), <AccountsIcon size={15} />)}
        {tab("assistant", t("nav.assistant"), <SparkIcon size={15} />)}
        {tab("dashboard", t("nav.dashboard"), <ChartIcon size={15} />)}
        {tab("health", t("nav.health"), <PulseIcon size={15} />)}
      </nav>
      <div className="topbar-spacer" />
      <button
        type="button"
        className={`button topbar-toggle${testChatOpen ? " is-active" : ""}`}
        data-testid="test-chat-toggle"
        aria-pressed={testChatOpen}
        onClick={onToggleTestChat}
      >
        <ChatIcon size={15} />
        {t("topbar.testChat")}
      </button>
      <select
        className="language-switch"
        data-testid="language-switch"
        value={i18n.language}
        onChange={(e) => {
          chooseLanguage(e.target.value as Language).catch((error: unknown) => {
            console.warn("Could not keep the language", error);
          });
        }}
        aria-label={t("topbar.language")}
        title={t("topbar.language")}
      >
        {LANGUAGES.map((language) => (
          <option key={language} value={language}>
            {LANGUAGE_NAMES[language]}
          </option>
        ))}
      </select>
      {onShowShortcuts && (
        <button
          type="button"
          className="icon-button topbar-shortcuts"
          data-testid="shortcuts-open"
          aria-label={t("shortcuts.title")}
          title={t("shortcuts.open")}
          onClick={onShowShortcuts}
        >
          <KeyboardIcon size={17} />
        </button>
      )}
      <button
        type="button"
        className={`icon-button topbar-settings${view === "settings" ? " is-active" : ""}`}
        data-testid="nav-settings"
        aria-current={view === "settings" ? "page" : undefined}
        aria-label={t("nav.settings")}
        title={t("nav.settings")}
        onClick={() => onNavigate("settings")}
      >
        <GearIcon size={17} />
      </button>
    </header>
  );
}
