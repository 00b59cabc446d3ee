import { useTranslation } from "react-i18next";
import { LANGUAGE_NAMES, LANGUAGES, setLanguage, type Language } from "../i18n";
import { ChatIcon, LogoMark } from "./Icon";

type Props = {
  testChatOpen: boolean;
  onToggleTestChat: () => void;
};

export function TopBar({ testChatOpen, onToggleTestChat }: Props) {
  const { t, i18n } = useTranslation();
  return (
    <header className="topbar">
      <div className="brand" title={t("app.tagline")}>
        <LogoMark />
        <span className="brand-name">{t("app.name")}</span>
      </div>
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
        onChange={(e) => setLanguage(e.target.value as Language)}
        aria-label={t("topbar.language")}
        title={t("topbar.language")}
      >
        {LANGUAGES.map((language) => (
          <option key={language} value={language}>
            {LANGUAGE_NAMES[language]}
          </option>
        ))}
      </select>
    </header>
  );
}
