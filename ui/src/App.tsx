import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { TopBar, type View } from "./components/TopBar";
import { ConversationList } from "./components/ConversationList";
import { ThreadPane } from "./components/Thread";
import { ContactPanel } from "./components/ContactPanel";
import { TestChatPanel } from "./components/TestChatPanel";
import { ProjectsView } from "./components/ProjectsView";
import { MailboxesView } from "./components/MailboxesView";
import { AvitoView } from "./components/AvitoView";
import { AccountsView } from "./components/AccountsView";
import { AssistantView } from "./components/AssistantView";
import { SettingsView } from "./components/SettingsView";
import { HealthView } from "./components/HealthView";
import { DashboardView } from "./components/DashboardView";
import { RestoreBanner } from "./components/RestoreBanner";
import { restoreLanguage } from "./language";
import { useStatusCounts } from "./hooks";
import { api, subscribeShell } from "./api";
import { useConversation } from "./useConversation";
import { useTeam } from "./useTeam";

export default function App() {
  const { i18n } = useTranslation();
  // The language chosen before, kept by the engine.
  useEffect(() => {
    restoreLanguage().catch((error: unknown) => {
      console.warn("Could not read the chosen language", error);
    });
  }, []);
  // The tray menu and the window's title speak the window's language.
  useEffect(() => {
    api.setLanguage(i18n.language === "ru" ? "ru" : "en").catch((error: unknown) => {
      console.warn("Could not tell the shell the language", error);
    });
  }, [i18n.language]);
  const [view, setView] = useState<View>("inbox");
  const [testChatOpen, setTestChatOpen] = useState(false);
  // Kept here so that coming back from another view shows the same conversation.
  const [selectedId, setSelectedId] = useState<number | null>(null);

  // A clicked notification opens what it was about.
  useEffect(
    () =>
      subscribeShell((event) => {
        if (event.type === "open_conversation") {
          setView("inbox");
          setSelectedId(event.conversation_id);
        } else if (event.type === "open_accounts") {
          setView("accounts");
        } else if (event.type === "open_settings") {
          setView("settings");
        }
      }),
    [],
  );
  // Notifications about the conversation in view stay quiet.
  const open = view === "inbox" ? selectedId : null;
  useEffect(() => {
    api.setAttention(open, false).catch((error: unknown) => {
      console.warn("Could not tell the shell what is open", error);
    });
  }, [open]);

  // The test chat writes into the inbox, so it opens there.
  const toggleTestChat = useCallback(() => {
    if (view !== "inbox") {
      setView("inbox");
      setTestChatOpen(true);
    } else {
      setTestChatOpen((open) => !open);
    }
  }, [view]);

  return (
    <div className={`app app--${view}`}>
      <TopBar view={view} onNavigate={setView} testChatOpen={testChatOpen} onToggleTestChat={toggleTestChat} />
      {/* After the app started again with a restored backup: what it did, once. */}
      <RestoreBanner onOpenAccounts={() => setView("accounts")} />
      {view === "inbox" ? (
        <Inbox
          selectedId={selectedId}
          onSelect={setSelectedId}
          testChatOpen={testChatOpen}
          setTestChatOpen={setTestChatOpen}
        />
      ) : view === "projects" ? (
        <ProjectsView />
      ) : view === "mailboxes" ? (
        <MailboxesView />
      ) : view === "avito" ? (
        <AvitoView />
      ) : view === "accounts" ? (
        <AccountsView />
      ) : view === "settings" ? (
        <SettingsView />
      ) : view === "health" ? (
        <HealthView />
      ) : view === "dashboard" ? (
        <DashboardView />
      ) : (
        <AssistantView onOpenProjects={() => setView("projects")} />
      )}
    </div>
  );
}

function Inbox({
  selectedId,
  onSelect: select,
  testChatOpen,
  setTestChatOpen,
}: {
  selectedId: number | null;
  onSelect: (id: number) => void;
  testChatOpen: boolean;
  setTestChatOpen: (open: boolean) => void;
}) {
  const { t } = useTranslation();
  const counts = useStatusCounts();
  const team = useTeam();
  const { state, applyMessage, applySummary, reload } = useConversation(selectedId);

  const openTestChat = useCallback(() => setTestChatOpen(true), [setTestChatOpen]);

  const detail = state.phase === "ready" ? state.detail : null;

  return (
    <main
      className={`workspace${testChatOpen ? " workspace--test-chat" : detail ? " workspace--contact" : ""}`}
      aria-label={t("app.name")}
    >
      <ConversationList
        selectedId={selectedId}
        onSelect={select}
        counts={counts}
        onOpenTestChat={openTestChat}
        team={team}
      />
      <ThreadPane
        state={state}
        applyMessage={applyMessage}
        applySummary={applySummary}
        noConversations={counts?.all === 0}
        onOpenTestChat={openTestChat}
        team={team}
      />
      {testChatOpen ? (
        <TestChatPanel onClose={() => setTestChatOpen(false)} onShowConversation={select} />
      ) : (
        detail && <ContactPanel contact={detail.contact} notes={detail.notes} onMerged={reload} />
      )}
    </main>
  );
}
